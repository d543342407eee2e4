package io.flashcoupon.core.sale.ledger;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.observe.TraceHeaders;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.EventType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;

/**
 * The grab's ledger (docs/architecture.md, the grab's step 5): a grant and its CouponGrabbed event commit
 * together, because the grab script runs as the local transaction of a RocketMQ transactional send
 * - half message first, then the script, then commit (granted) or rollback (refused). When the
 * outcome does not reach the broker, its check-back answers from the ledger ({@link LedgerCheckBack},
 * the voiding read). Reconciliation re-publishes lost events through the same producer, with the
 * plain ledger read as the local transaction. So the event exists if and only if the grant is in
 * the ledger, for first sends and re-sends alike. The broker's check-backs reach any member of the
 * producer group, so every process that grabs or reconciles keeps one open.
 */
public final class GrantLedger implements AutoCloseable {
    private final TransactionMQProducer producer;
    private final ExecutorService checkExecutor;
    private final String topic;

    /** The service's ledger: group coupon-grab-producer, topic coupon-events. */
    public GrantLedger(String namesrvAddr, String instanceName, int sendTimeoutMs, SaleStore store,
            Consumer<LocalTransactionState> checkedBack) {
        this(namesrvAddr, instanceName, sendTimeoutMs, store, checkedBack, Registry.GROUP_GRAB_PRODUCER,
                Registry.TOPIC_COUPON_EVENTS);
    }

    /**
     * Sends to {@code topic} as a member of producer group {@code group} (the warm-up has its own
     * pair); {@code checkedBack} is told every check-back answer (the check-back metric).
     */
    public GrantLedger(String namesrvAddr, String instanceName, int sendTimeoutMs, SaleStore store,
            Consumer<LocalTransactionState> checkedBack, String group, String topic) {
        this.topic = topic;
        this.checkExecutor = new ThreadPoolExecutor(2, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000),
                r -> {
                    Thread t = new Thread(r, "grab-check-back");
                    t.setDaemon(true);
                    return t;
                });
        this.producer = new TransactionMQProducer(group);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName(instanceName);
        producer.setSendMsgTimeout(sendTimeoutMs);
        producer.setRetryTimesWhenSendFailed(0);
        producer.setExecutorService(checkExecutor);
        producer.setTransactionListener(new LedgerTransactions(
                g -> store.grabSync(g.getActivityId(), g.getUserId(), g.getCouponSn(), g.getGrantedAtMs(), g.getSeq(),
                        g.hasRequestId() ? g.getRequestId() : null),
                store::inLedger,
                new LedgerCheckBack(store::resolve, checkedBack)));
    }

    public void start() throws MQClientException {
        producer.start();
    }

    /**
     * Runs the grab script for {@code grab} inside its event's transactional send and returns the
     * script's answer: GRANTED means the grant is in the ledger and its event committed or left to
     * the check-back, which will commit it. Throws when there is no answer: the broker refused the
     * half message (the script never ran) or Redis failed mid-grab (outcome unknown).
     */
    public GrabResult grab(CouponGrabbed grab) throws GrabUnsettledException {
        LedgerTransactions.Grab call = new LedgerTransactions.Grab(grab, new CompletableFuture<>());
        Exception sendFailure = null;
        try {
            producer.sendMessageInTransaction(message(topic, grab), call);
        } catch (Exception e) {
            sendFailure = e;
        }
        return settle(call.ran(), sendFailure);
    }

    /**
     * What a grab's send came to: the script's answer when it ran (a send failure after it ran -
     * the end-transaction call - is the check-back's to settle); otherwise why there is none.
     */
    static GrabResult settle(CompletableFuture<GrabResult> ran, Exception sendFailure) throws GrabUnsettledException {
        if (!ran.isDone()) {
            throw new GrabUnsettledException(GrabUnsettledException.Reason.BROKER_REFUSED, sendFailure);
        }
        try {
            return ran.join();
        } catch (CompletionException e) {
            throw new GrabUnsettledException(GrabUnsettledException.Reason.OUTCOME_UNKNOWN, e.getCause());
        }
    }

    /**
     * Commits the CouponGrabbed of a grant that is already in the ledger once more (reconciliation
     * of an event that never became a row). The local transaction is the plain ledger read - COMMIT
     * when the grant is there, ROLLBACK when not, UNKNOW on a Redis error (then the check-back
     * decides) - so the rule "the event exists iff the grant is in the ledger" holds for re-sent
     * events too. Same event_id as the original: consumers deduplicate. True when committed now.
     */
    public boolean republish(CouponGrabbed grabbed) throws MQClientException {
        TransactionSendResult result = producer.sendMessageInTransaction(message(topic, grabbed),
                new LedgerTransactions.Republish(grabbed.getActivityId(), grabbed.getCouponSn()));
        return result.getSendStatus() == SendStatus.SEND_OK
                && result.getLocalTransactionState() == LocalTransactionState.COMMIT_MESSAGE;
    }

    /**
     * The message of a grab: body CouponEvent, tag, key coupon_sn, the properties the check-back reads,
     * and the grab's trace context when tracing is on.
     */
    static Message message(String topic, CouponGrabbed grabbed) {
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
        TraceHeaders.inject(msg);
        return msg;
    }

    /** The value of {@link Registry#PROP_GRANTEE}: the prefix of this grab's ledger entry. */
    static String grantee(long userId, int seq) {
        return userId + ":" + seq;
    }

    @Override
    public void close() {
        producer.shutdown();
        checkExecutor.shutdownNow();
    }
}
