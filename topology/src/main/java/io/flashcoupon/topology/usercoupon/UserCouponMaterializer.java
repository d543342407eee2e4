package io.flashcoupon.topology.usercoupon;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.observe.TraceHeaders;
import io.flashcoupon.sinks.GrantedCoupon;
import io.flashcoupon.sinks.UserCouponSink;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every committed CouponGrabbed into one user_coupons row. Polls a batch (size or time),
 * writes it through the idempotent sink, and only then commits the consumed offsets: the offset
 * never runs ahead of a committed batch, so a crash re-delivers rather than loses. A failed batch is
 * retried (with back-off) before anything else is polled. Its lag behind the grants is metered in
 * {@link MaterializerMetrics}.
 *
 * <p>A plain lite-pull consumer rather than rocketmq-streams: see docs/decisions.md.
 */
public final class UserCouponMaterializer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UserCouponMaterializer.class);
    private static final long MAX_BACKOFF_MS = 2_000;

    private final DefaultLitePullConsumer consumer;
    private final CouponRows rows;
    private final UserCouponSink sink;
    private final MaterializerMetrics metrics;
    private final Tracer tracer;
    private final Thread worker;
    private volatile boolean running = true;

    public UserCouponMaterializer(String namesrvAddr, String group, String instanceName, int batchSize,
            long flushIntervalMs, CouponRows rows, UserCouponSink sink, MaterializerMetrics metrics, Tracer tracer)
            throws MQClientException {
        this.tracer = tracer;
        this.rows = rows;
        this.sink = sink;
        this.metrics = metrics;
        this.consumer = new DefaultLitePullConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setInstanceName(instanceName);
        consumer.setAutoCommit(false);
        consumer.setPullBatchSize(batchSize);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setPollTimeoutMillis(flushIntervalMs);
        consumer.subscribe(Registry.TOPIC_COUPON_EVENTS, Registry.TAG_COUPON_GRABBED);
        this.worker = new Thread(() -> loop(batchSize, flushIntervalMs), "user-coupon-materializer");
    }

    public void start() throws MQClientException {
        consumer.start();
        worker.start();
    }

    /**
     * Gathers polls into one batch until it holds {@code batchSize} messages or {@code flushIntervalMs}
     * passed since its first message: one poll returns one queue's pull (the broker caps a pull, 32
     * messages by default), and each batch is one fsync'd MySQL transaction, so writing per poll capped
     * the sink at a few hundred rows per second under load (docs/performance.md).
     */
    private void loop(int batchSize, long flushIntervalMs) {
        List<MessageExt> batch = new ArrayList<>(batchSize);
        long deadline = 0;
        while (running) {
            long wait = batch.isEmpty() ? flushIntervalMs : deadline - System.nanoTime() / 1_000_000;
            if (wait > 0) {
                try {
                    List<MessageExt> polled = consumer.poll(wait);
                    if (batch.isEmpty() && !polled.isEmpty()) {
                        deadline = System.nanoTime() / 1_000_000 + flushIntervalMs;
                    }
                    batch.addAll(polled);
                } catch (RuntimeException e) {
                    log.warn("poll failed: {}", e.toString());
                    continue;
                }
            }
            if (!batch.isEmpty() && (batch.size() >= batchSize || wait <= 0
                    || System.nanoTime() / 1_000_000 >= deadline)) {
                writeUntilDurable(batch);
                batch = new ArrayList<>(batchSize);
            }
        }
        if (!batch.isEmpty()) {
            writeUntilDurable(batch); // one attempt: what is not committed is redelivered after a restart
        }
    }

    private void writeUntilDurable(List<MessageExt> batch) {
        List<byte[]> bodies = new ArrayList<>(batch.size());
        Map<MessageQueue, Long> next = new HashMap<>();
        for (MessageExt m : batch) {
            bodies.add(m.getBody());
            MessageQueue mq = new MessageQueue(m.getTopic(), m.getBrokerName(), m.getQueueId());
            next.merge(mq, m.getQueueOffset() + 1, Math::max);
        }
        List<Span> spans = spans(batch);
        long backoff = 50;
        // The batch in hand is written at least once even when close() has begun (a graceful stop
        // flushes it and commits its offsets); retries after a failure stop with close().
        do {
            try {
                List<String> rejected = new ArrayList<>();
                List<GrantedCoupon> coupons = rows.rows(bodies, rejected);
                rejected.forEach(r -> log.error("skipping a message on {} that is no CouponGrabbed: {}",
                        Registry.TOPIC_COUPON_EVENTS, r));
                sink.write(coupons);
                metrics.committed(coupons);
                consumer.commit(next, true);
                spans.forEach(Span::end);
                return;
            } catch (RuntimeException e) {
                spans.forEach(span -> span.recordException(e));
                log.error("writing {} user coupons failed; retrying in {} ms", batch.size(), backoff, e);
                try {
                    TimeUnit.MILLISECONDS.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        } while (running);
        spans.forEach(span -> {
            span.setStatus(StatusCode.ERROR, "stopped before the batch was written; it is re-delivered");
            span.end();
        });
    }

    /**
     * One CONSUMER span per message that carries a trace context (tracing on at the ingress), child
     * of the grab's span: the grant's row write, from the batch's start to its offset commit. Empty
     * (no allocation beyond a property lookup per message) when no message is traced.
     */
    private List<Span> spans(List<MessageExt> batch) {
        List<Span> spans = List.of();
        for (MessageExt m : batch) {
            if (!TraceHeaders.traced(m)) {
                continue;
            }
            if (spans.isEmpty()) {
                spans = new ArrayList<>();
            }
            spans.add(tracer.spanBuilder("user_coupons write")
                    .setParent(TraceHeaders.extract(m))
                    .setSpanKind(SpanKind.CONSUMER)
                    .setAttribute("messaging.system", "rocketmq")
                    .setAttribute("messaging.destination.name", m.getTopic())
                    .setAttribute("messaging.message.id", m.getMsgId())
                    .setAttribute("coupon.coupon_sn", String.valueOf(m.getKeys()))
                    .setAttribute("db.sql.table", Registry.TABLE_USER_COUPONS)
                    .setAttribute("messaging.batch.message_count", batch.size())
                    .startSpan());
        }
        return spans;
    }

    /** Stops polling, finishes (and commits) the batch in hand, then shuts the consumer down. */
    @Override
    public void close() throws InterruptedException {
        close(10_000);
    }

    /**
     * As {@link #close()}, waiting at most {@code waitMs} for the batch in hand; true when the worker
     * finished (the batch written and its offsets committed, or nothing was in hand).
     */
    public boolean close(long waitMs) throws InterruptedException {
        running = false;
        worker.join(Math.max(1, waitMs));
        boolean drained = !worker.isAlive();
        consumer.shutdown();
        return drained;
    }
}
