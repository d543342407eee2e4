package io.flashcoupon.topology.usercoupon;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.observe.TraceHeaders;
import io.flashcoupon.sinks.BatchSink;
import io.flashcoupon.sinks.GrantedCoupon;
import io.flashcoupon.sinks.UserCouponSink;
import io.flashcoupon.topology.DistinctClientAllocation;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every committed CouponGrabbed into one user_coupons row. The consumer's polls go to a
 * {@link BatchSink} (batches by size or time, one transaction per batch, back-off on failure) that
 * writes through the idempotent {@link UserCouponSink}; this class decodes a batch's messages into
 * rows ({@link CouponRows}) and, once they are committed, commits the consumed offsets: the offset
 * never runs ahead of a committed batch, so a crash re-delivers rather than loses. The decoding runs
 * inside each write attempt because it reads the templates, so a failed template read is retried with
 * the batch. Its lag behind the grants is metered in {@link MaterializerMetrics}.
 *
 * <p>A grant the sink refused because another row is in its way (recorded in grant_conflicts in the
 * batch's transaction) is acknowledged with its batch but not counted as written: it is left out of
 * the lag meters and its write span ends in error. A batch given up (stop or interrupt) ends the
 * worker; nothing acknowledges past it in this run.
 *
 * <p>A plain lite-pull consumer rather than rocketmq-streams: see docs/decisions.md.
 */
public final class UserCouponMaterializer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UserCouponMaterializer.class);

    private final DefaultLitePullConsumer consumer;
    private final CouponRows rows;
    private final MaterializerMetrics metrics;
    private final Tracer tracer;
    private final BatchSink<MessageExt, String, GrantedCoupon> batches;
    private final Thread worker;

    public UserCouponMaterializer(String namesrvAddr, String group, String instanceName, int batchSize,
            long flushIntervalMs, CouponRows rows, UserCouponSink sink, MaterializerMetrics metrics, Tracer tracer)
            throws MQClientException {
        this(namesrvAddr, null, group, instanceName, batchSize, flushIntervalMs, rows, sink, metrics, tracer);
    }

    /** {@code rpcHook} signs every request (the broker's ACL credentials, BrokerAcl); null = none. */
    public UserCouponMaterializer(String namesrvAddr, RPCHook rpcHook, String group, String instanceName,
            int batchSize, long flushIntervalMs, CouponRows rows, UserCouponSink sink, MaterializerMetrics metrics,
            Tracer tracer) throws MQClientException {
        this.tracer = tracer;
        this.rows = rows;
        this.metrics = metrics;
        this.consumer = new DefaultLitePullConsumer(group, rpcHook);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setInstanceName(instanceName);
        consumer.setAutoCommit(false);
        consumer.setPullBatchSize(batchSize);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setAllocateMessageQueueStrategy(new DistinctClientAllocation());
        consumer.setPollTimeoutMillis(flushIntervalMs);
        consumer.subscribe(Registry.TOPIC_COUPON_EVENTS, Registry.TAG_COUPON_GRABBED);
        this.batches = new BatchSink<>("user coupons", BatchSink.Policy.of(batchSize, flushIntervalMs), Grabs::new,
                GrantedCoupon::couponSn, sink::write, System::nanoTime, TimeUnit.MILLISECONDS::sleep);
        this.worker = new Thread(() -> batches.run(consumer::poll), "user-coupon-materializer");
    }

    public void start() throws MQClientException {
        consumer.start();
        worker.start();
    }

    /** The messages of one batch: their rows, the offsets that acknowledge them, their spans. */
    private final class Grabs implements BatchSink.Batch<GrantedCoupon> {
        private final List<byte[]> bodies;
        private final Map<MessageQueue, Long> next = new HashMap<>();
        private final List<Span> spans;
        private final List<String> spanKeys = new ArrayList<>();

        Grabs(List<MessageExt> batch) {
            bodies = new ArrayList<>(batch.size());
            for (MessageExt m : batch) {
                bodies.add(m.getBody());
                MessageQueue mq = new MessageQueue(m.getTopic(), m.getBrokerName(), m.getQueueId());
                next.merge(mq, m.getQueueOffset() + 1, Math::max);
            }
            spans = spans(batch, spanKeys);
        }

        @Override
        public List<GrantedCoupon> rows() {
            List<String> rejected = new ArrayList<>();
            List<GrantedCoupon> coupons = rows.rows(bodies, rejected);
            rejected.forEach(r -> log.error("skipping a message on {} that is no CouponGrabbed: {}",
                    Registry.TOPIC_COUPON_EVENTS, r));
            return coupons;
        }

        @Override
        public void acknowledge(List<GrantedCoupon> coupons, List<GrantedCoupon> refused) {
            Set<String> conflicted = new HashSet<>();
            refused.forEach(g -> conflicted.add(g.couponSn()));
            List<GrantedCoupon> written = coupons;
            if (!conflicted.isEmpty()) {
                written = new ArrayList<>(coupons.size());
                for (GrantedCoupon g : coupons) {
                    if (!conflicted.contains(g.couponSn())) {
                        written.add(g);
                    }
                }
            }
            metrics.committed(written);
            consumer.commit(next, true);
            for (int i = 0; i < spans.size(); i++) {
                if (conflicted.contains(spanKeys.get(i))) {
                    spans.get(i).setStatus(StatusCode.ERROR, "not written: another row holds its activity, user and"
                            + " seq or its coupon_sn; recorded in " + Registry.TABLE_GRANT_CONFLICTS);
                }
                spans.get(i).end();
            }
        }

        @Override
        public void failed(RuntimeException e) {
            spans.forEach(span -> span.recordException(e));
        }

        @Override
        public void abandoned() {
            spans.forEach(span -> {
                span.setStatus(StatusCode.ERROR, "stopped before the batch was written; it is re-delivered");
                span.end();
            });
        }
    }

    /**
     * One CONSUMER span per message that carries a trace context (tracing on at the ingress), child
     * of the grab's span: the grant's row write, from the batch's start to its offset commit. Empty
     * (no allocation beyond a property lookup per message) when no message is traced.
     */
    private List<Span> spans(List<MessageExt> batch, List<String> keys) {
        List<Span> spans = List.of();
        for (MessageExt m : batch) {
            if (!TraceHeaders.traced(m)) {
                continue;
            }
            if (spans.isEmpty()) {
                spans = new ArrayList<>();
            }
            keys.add(String.valueOf(m.getKeys()));
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
        batches.stop();
        worker.join(Math.max(1, waitMs));
        boolean drained = !worker.isAlive();
        consumer.shutdown();
        return drained;
    }
}
