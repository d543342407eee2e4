package io.flashcoupon.core.sale.ledger;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.mq.BatchGuardPacing;
import io.flashcoupon.core.observe.TraceHeaders;
import io.flashcoupon.core.sale.GrabCandidate;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.EventType;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grab's ledger (docs/architecture.md, the grab's step 5) with group commit: grabs of one sale
 * that arrive together share one grab script call ({@link GroupCommit}), which writes their grants and
 * a publication outbox entry for them atomically and durably; then their CouponGrabbed events go to
 * the broker as one batch send, the grabs are answered, and the outbox entry is removed. A grab is
 * answered GRANTED only once its grant is durable in Redis and its event stored by the broker; when the
 * send failed, the grant's event waits in the outbox and its grab is answered "outcome unknown". A crash
 * between the script and the send leaves the entry, which {@link PublicationRelay} sends. So a grant is in the ledger if and only if
 * its event is in the broker or in the outbox: the same rule the per-grant transactional send kept,
 * paid per batch instead of per grant (docs/decisions.md "Group commit").
 *
 * <p>Reconciliation re-publishes a grant that never became a row through the producer's
 * transactional send, with the plain ledger read as the local transaction ({@link LedgerTransactions});
 * the broker's check-back for it is {@link LedgerCheckBack}. The broker's check-backs reach any member
 * of the producer group, so every process that grabs or reconciles keeps one open.
 */
public final class GrantLedger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrantLedger.class);

    /** Group commit's limits: grabs per script call, script calls of one sale running at once. */
    public record Batching(int maxBatch, int maxInFlight) {}

    /** A grab waiting for its batch: its sale's template, the grab, its trace context, its answer. */
    private record Pending(long templateId, GrabCandidate grab, Context trace, CompletableFuture<GrabResult> answer) {}

    private final TransactionMQProducer producer;
    private final ExecutorService checkExecutor;
    private final ExecutorService publisher;
    private final String topic;
    private final SaleStore store;
    private final Clock clock;
    private final LedgerMetrics metrics;
    private final GroupCommit<Segment, Pending> commits;
    private final String batchPrefix;
    private final AtomicLong batches = new AtomicLong();
    private final int sendTimeoutMs;
    /** Until when (clock ms) grabs are refused unrun: the broker refused a batch's events just before. */
    private volatile long brokerRefusedUntilMs;
    private volatile boolean closed;

    /** The service's ledger: group coupon-grab-producer, topic coupon-events. */
    public GrantLedger(String namesrvAddr, String instanceName, int sendTimeoutMs, SaleStore store, Clock clock,
            Batching batching, LedgerMetrics metrics, Consumer<LocalTransactionState> checkedBack) {
        this(namesrvAddr, instanceName, sendTimeoutMs, store, clock, batching, metrics, checkedBack,
                Registry.GROUP_GRAB_PRODUCER, Registry.TOPIC_COUPON_EVENTS);
    }

    /**
     * Sends to {@code topic} as a member of producer group {@code group} (the warm-up has its own
     * pair); {@code checkedBack} is told every check-back answer (the check-back metric).
     */
    public GrantLedger(String namesrvAddr, String instanceName, int sendTimeoutMs, SaleStore store, Clock clock,
            Batching batching, LedgerMetrics metrics, Consumer<LocalTransactionState> checkedBack, String group,
            String topic) {
        this(namesrvAddr, null, instanceName, sendTimeoutMs, store, clock, batching, metrics, checkedBack, group,
                topic);
    }

    /** As above, every request signed by {@code rpcHook} (the broker's ACL credentials, BrokerAcl); null = none. */
    public GrantLedger(String namesrvAddr, RPCHook rpcHook, String instanceName, int sendTimeoutMs, SaleStore store,
            Clock clock, Batching batching, LedgerMetrics metrics, Consumer<LocalTransactionState> checkedBack,
            String group, String topic) {
        this.topic = topic;
        this.store = store;
        this.clock = clock;
        this.metrics = metrics;
        this.sendTimeoutMs = sendTimeoutMs;
        // Unique among processes without coordination: 64 random bits per ledger, then a counter.
        this.batchPrefix = Long.toHexString(new java.security.SecureRandom().nextLong()) + ":";
        this.commits = new GroupCommit<>(this::write, batching.maxBatch(), batching.maxInFlight());
        this.checkExecutor = new ThreadPoolExecutor(2, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000),
                daemon("grab-check-back"));
        // Builds and sends the batches' events off Lettuce's event loop.
        this.publisher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                daemon("grab-publish"));
        this.producer = new TransactionMQProducer(group, rpcHook);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName(instanceName);
        producer.setSendMsgTimeout(sendTimeoutMs);
        producer.setRetryTimesWhenSendFailed(0);
        producer.setRetryTimesWhenSendAsyncFailed(0);
        // A broker that failed a send is left out of queue selection for 10 s, so with one of several
        // masters down the batches go to the others instead of failing round-robin until the next route
        // refresh (30 s); with one broker it changes nothing. FaultBrokerClusterIT, docs/decisions.md.
        producer.setSendLatencyFaultEnable(true);
        // Only failures isolate (RocketMQ counts a failure as 10 s of latency); its default also isolates a
        // broker for 2-6 s after a successful send that took 550 ms or more, which on a busy host can take
        // the only live broker out of selection and send every batch to the dead one.
        producer.setNotAvailableDuration(new long[] {0, 0, 0, 0, 0, 10_000, 30_000});
        producer.setExecutorService(checkExecutor);
        BatchGuardPacing.slowDown(producer);
        producer.setTransactionListener(new LedgerTransactions(store::inLedger,
                new LedgerCheckBack(store::resolve, checkedBack)));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public void start() throws MQClientException {
        producer.start();
    }

    /**
     * Grabs a coupon of sale {@code activityId} (template {@code templateId}) for {@code grab}, in the
     * next batch of that sale. Completes with the script's answer once it is durable - and, for a grant,
     * once the broker stored its event - or exceptionally with {@link GrabUnsettledException}: BROKER_UNAVAILABLE
     * (the broker refused a batch's events within the last second: nothing was tried, so grants do not pile
     * up in Redis while nothing can deliver them), OUTCOME_UNKNOWN (Redis failed, timed out or did not confirm
     * the batch on disk), EVENT_NOT_STORED (granted, but its event waits in the publication outbox).
     */
    public CompletableFuture<GrabResult> grab(long activityId, long templateId, GrabCandidate grab) {
        return grab(Segment.only(activityId), templateId, grab);
    }

    /** {@link #grab(long, long, GrabCandidate)} in segment {@code segment} of a split sale (its own batches). */
    public CompletableFuture<GrabResult> grab(Segment segment, long templateId, GrabCandidate grab) {
        if (closed) {
            return CompletableFuture.failedFuture(new GrabUnsettledException(GrabUnsettledException.Reason.BROKER_UNAVAILABLE,
                    new IllegalStateException("the grab ledger is closed")));
        }
        if (clock.millis() < brokerRefusedUntilMs) {
            return CompletableFuture.failedFuture(new GrabUnsettledException(GrabUnsettledException.Reason.BROKER_UNAVAILABLE,
                    null));
        }
        Pending p = new Pending(templateId, grab, Context.current(), new CompletableFuture<>());
        commits.submit(segment, p);
        return p.answer();
    }

    /**
     * One batch: the script, then its events, then the answers; completes when the batch's place is free.
     * Never throws, and answers every grab of the batch on every path: what the normal path left
     * unanswered (an executor that refused the work at shutdown, an unexpected exception, a send whose
     * callback never came within its timeout) is answered OUTCOME_UNKNOWN.
     */
    private CompletionStage<?> write(Segment segment, List<Pending> batch) {
        CompletionStage<?> written;
        try {
            metrics.batch(batch.size());
            String batchId = batchPrefix + batches.incrementAndGet();
            List<GrabCandidate> grabs = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                grabs.add(p.grab());
            }
            long started = System.nanoTime();
            written = store.grab(segment, batch.get(0).templateId(), batchId, clock.millis(), grabs)
                    .handleAsync((results, failure) -> {
                        metrics.scriptTook(System.nanoTime() - started);
                        if (failure != null) {
                            unsettled(batch, GrabUnsettledException.Reason.OUTCOME_UNKNOWN, failure);
                            return CompletableFuture.completedFuture(null);
                        }
                        return publish(segment, batchId, batch, results);
                    }, publisher)
                    .thenCompose(stage -> stage)
                    .toCompletableFuture()
                    .orTimeout(2L * sendTimeoutMs + 1_000, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        return written.whenComplete((r, e) -> {
            if (e != null) {
                log.error("a grab batch of {} ended abnormally; its unanswered grabs are answered 'outcome"
                        + " unknown'", segment, e);
                unsettled(batch, GrabUnsettledException.Reason.OUTCOME_UNKNOWN, e);
            }
        });
    }

    private static void unsettled(List<Pending> batch, GrabUnsettledException.Reason reason, Throwable cause) {
        GrabUnsettledException e = new GrabUnsettledException(reason, cause);
        batch.forEach(p -> p.answer().completeExceptionally(e));
    }

    /**
     * Sends the batch's new grants' events as one batch and answers every grab of the batch when the
     * send ended; removes the outbox entry when the broker stored them. When the broker did not store
     * them, the grants are durable in Redis and their events wait in the outbox for the relay; their
     * grabs are answered EVENT_NOT_STORED (never GRANTED: a GRANTED grant's event is in the broker, so
     * even a Redis restored from an older copy cannot lose it), the refusals as they are, and grabs are
     * refused unrun for a second.
     */
    private CompletionStage<?> publish(Segment segment, String batchId, List<Pending> batch, List<GrabResult> results) {
        List<Message> events = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            GrabResult r = results.get(i);
            if (r.code() == GrabCode.GRANTED) {
                Pending p = batch.get(i);
                // Built in the grab's trace context: message() injects it, once.
                try (Scope ignored = p.trace().makeCurrent()) {
                    events.add(grabbed(segment, p.templateId(), r.couponSn(), p.grab().userId(), r.seq(),
                            p.grab().grantedAtMs(), p.grab().requestId()));
                }
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        java.util.function.Consumer<Throwable> answer = notStored -> {
            try {
                for (int i = 0; i < batch.size(); i++) {
                    GrabResult r = results.get(i);
                    if (notStored != null && r.code() == GrabCode.GRANTED) {
                        batch.get(i).answer().completeExceptionally(
                                new GrabUnsettledException(GrabUnsettledException.Reason.EVENT_NOT_STORED, notStored));
                    } else {
                        batch.get(i).answer().complete(r);
                    }
                }
            } finally {
                done.complete(null);
            }
        };
        if (events.isEmpty()) {
            answer.accept(null);
            return done;
        }
        int count = events.size();
        long sending = System.nanoTime();
        try {
            producer.send(events, new SendCallback() {
                @Override
                public void onSuccess(SendResult result) {
                    metrics.sendTook(System.nanoTime() - sending);
                    if (result.getSendStatus() == SendStatus.SEND_OK) {
                        answer.accept(null);
                        metrics.sent(count);
                        store.published(segment, batchId);
                    } else {
                        answer.accept(deferred(segment, batchId, count, result.getSendStatus().toString()));
                    }
                }

                @Override
                public void onException(Throwable e) {
                    metrics.sendTook(System.nanoTime() - sending);
                    answer.accept(deferred(segment, batchId, count, e.toString()));
                }
            }, sendTimeoutMs);
        } catch (Exception e) {
            answer.accept(deferred(segment, batchId, count, e.toString()));
        }
        return done;
    }

    /** Counts and logs a batch whose events the broker did not store; grabs are refused unrun for a second. */
    private Throwable deferred(Segment segment, String batchId, int events, String why) {
        brokerRefusedUntilMs = clock.millis() + 1_000;
        metrics.deferred(events);
        log.warn("the events of {} grant(s) of {} (batch {}) were not stored by the broker ({}); they are"
                + " durable in Redis and wait in the publication outbox for the relay", events, segment, batchId, why);
        return new IllegalStateException("the broker did not store the events: " + why);
    }

    /**
     * Sends the outbox entries of sale {@code activityId} created before {@code createdBeforeMs} (their
     * batch's own send failed, or its process died before it) and removes each once the broker stored
     * it. Returns the number of events sent. Throws when Redis or the broker fails; what was not sent
     * stays in the outbox for the next pass. Several processes may relay at once: a duplicate event is
     * harmless (consumers deduplicate on the event id).
     */
    public int relay(Segment segment, long createdBeforeMs) throws Exception {
        int sent = 0;
        for (Map.Entry<String, String> e : store.publications(segment).entrySet()) {
            PendingPublication entry;
            try {
                entry = PendingPublication.parse(e.getKey(), e.getValue());
            } catch (IllegalArgumentException malformed) {
                log.error("{}; left in place for an operator", malformed.getMessage());
                continue;
            }
            if (entry.createdAtMs() >= createdBeforeMs) {
                continue;
            }
            List<Message> events = new ArrayList<>(entry.grants().size());
            for (PendingPublication.Grant g : entry.grants()) {
                events.add(grabbed(segment, entry.templateId(), g.couponSn(), g.userId(), g.seq(), g.grantedAtMs(),
                        g.requestId()));
            }
            SendResult result = producer.send(events, sendTimeoutMs);
            if (result.getSendStatus() != SendStatus.SEND_OK) {
                throw new IllegalStateException("the broker answered " + result.getSendStatus() + " to the events of "
                        + "outbox entry " + entry.batchId());
            }
            store.published(segment, entry.batchId()).toCompletableFuture().get(sendTimeoutMs, TimeUnit.MILLISECONDS);
            metrics.relayed(events.size());
            sent += events.size();
            log.info("relayed the {} event(s) of outbox entry {} of {} (created {} ms before the pass)",
                    events.size(), entry.batchId(), segment, clock.millis() - entry.createdAtMs());
        }
        return sent;
    }

    /**
     * Commits the CouponGrabbed of a grant that is already in the ledger once more (reconciliation
     * of an event that never became a row). The local transaction is the plain ledger read - COMMIT
     * when the grant is there, ROLLBACK when not, UNKNOW on a Redis error (then the check-back
     * decides) - so an event exists only for a grant in the ledger. Same event_id as the original:
     * consumers deduplicate. True when committed now.
     */
    public boolean republish(CouponGrabbed grabbed, Segment segment) throws MQClientException {
        TransactionSendResult result = producer.sendMessageInTransaction(message(topic, grabbed, segment),
                new LedgerTransactions.Republish(segment, grabbed.getCouponSn()));
        return result.getSendStatus() == SendStatus.SEND_OK
                && result.getLocalTransactionState() == LocalTransactionState.COMMIT_MESSAGE;
    }

    private Message grabbed(Segment segment, long templateId, String couponSn, long userId, int seq, long grantedAtMs,
            String requestId) {
        CouponGrabbed.Builder b = CouponGrabbed.newBuilder()
                .setCouponSn(couponSn)
                .setActivityId(segment.activityId())
                .setTemplateId(templateId)
                .setUserId(userId)
                .setSeq(seq)
                .setGrantedAtMs(grantedAtMs);
        if (requestId != null) {
            b.setRequestId(requestId);
        }
        return message(topic, b.build(), segment);
    }

    /**
     * The message of a grant: body CouponEvent, tag, key coupon_sn, the properties the check-back of
     * a re-published event reads (the segment's only for a split sale), and the current trace context when
     * tracing is on.
     */
    static Message message(String topic, CouponGrabbed grabbed, Segment segment) {
        CouponEvent event = CouponEvent.newBuilder()
                .setEventId("grab-" + grabbed.getCouponSn())
                .setType(EventType.COUPON_GRABBED)
                .setOccurredAtMs(grabbed.getGrantedAtMs())
                .setGrabbed(grabbed)
                .build();
        Message msg = new Message(topic, Registry.TAG_COUPON_GRABBED, grabbed.getCouponSn(),
                event.toByteArray());
        msg.putUserProperty(Registry.PROP_ACTIVITY_ID, Long.toString(grabbed.getActivityId()));
        msg.putUserProperty(Registry.PROP_COUPON_SN, grabbed.getCouponSn());
        msg.putUserProperty(Registry.PROP_GRANTEE, grantee(grabbed.getUserId(), grabbed.getSeq()));
        if (segment.split()) {
            msg.putUserProperty(Registry.PROP_SEGMENT, segment.index() + "/" + segment.count());
        }
        TraceHeaders.inject(msg);
        return msg;
    }

    /** The value of {@link Registry#PROP_GRANTEE}: the prefix of this grab's ledger entry. */
    static String grantee(long userId, int seq) {
        return userId + ":" + seq;
    }

    @Override
    public void close() {
        closed = true;
        producer.shutdown();
        checkExecutor.shutdownNow();
        publisher.shutdownNow();
    }
}
