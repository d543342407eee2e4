package io.flashcoupon.ingress;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.observe.TraceHeaders;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.EventType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;

/**
 * Runs a grab inside a RocketMQ transactional send: half message CouponGrabbed, then the grab
 * script as the local transaction, then commit or rollback; the broker's check-back answers
 * from the ledger when the outcome did not reach it. Reconciliation re-publishes lost events
 * through the same producer, with the ledger itself as the local transaction.
 */
public final class GrabEventPublisher implements AutoCloseable {
    private final TransactionMQProducer producer;
    private final ExecutorService checkExecutor;
    private final String topic;

    /** {@code metrics} counts the broker's check-backs by the answer given. */
    public GrabEventPublisher(String namesrvAddr, String instanceName, int sendTimeoutMs, SaleStore store,
            GrabMetrics metrics) {
        this(namesrvAddr, instanceName, sendTimeoutMs, store, metrics, Registry.GROUP_GRAB_PRODUCER,
                Registry.TOPIC_COUPON_EVENTS);
    }

    /** Sends to {@code topic} as a member of producer group {@code group} (the warm-up's own pair). */
    public GrabEventPublisher(String namesrvAddr, String instanceName, int sendTimeoutMs, SaleStore store,
            GrabMetrics metrics, String group, String topic) {
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
        producer.setTransactionListener(
                new GrabTransactionListener(store, new GrabChecker(store::resolve, metrics::checkedBack),
                        store::inLedger));
    }

    public void start() throws MQClientException {
        producer.start();
    }

    /**
     * Sends the event of {@code call} transactionally; on return {@code call.result} holds the grab
     * script's answer, or {@code call.failure} why it is unknown; both null when the half message
     * could not be stored (the grab did not run).
     */
    void send(GrabCall call) throws MQClientException {
        CouponGrabbed.Builder grabbed = CouponGrabbed.newBuilder()
                .setCouponSn(call.couponSn)
                .setActivityId(call.activityId)
                .setTemplateId(call.templateId)
                .setUserId(call.userId)
                .setSeq(call.seq)
                .setGrantedAtMs(call.grantedAtMs);
        if (call.requestId != null) {
            grabbed.setRequestId(call.requestId);
        }
        TransactionSendResult ignored = producer.sendMessageInTransaction(message(topic, grabbed.build()), call);
    }

    /**
     * Commits the CouponGrabbed of a grant that is already in the ledger once more (reconciliation
     * of an event that never became a row). The local transaction is a plain ledger read - COMMIT
     * when the grant is there, ROLLBACK when not, UNKNOW on a Redis error (then the check-back
     * decides) - so the rule "the event exists iff the grant is in the ledger" holds for re-sent
     * events too. Same event_id as the original: consumers deduplicate. True when committed now.
     */
    public boolean republish(CouponGrabbed grabbed) throws MQClientException {
        TransactionSendResult result = producer.sendMessageInTransaction(message(topic, grabbed),
                new GrabTransactionListener.Republish(grabbed.getActivityId(), grabbed.getCouponSn()));
        return result.getSendStatus() == SendStatus.SEND_OK
                && result.getLocalTransactionState() == LocalTransactionState.COMMIT_MESSAGE;
    }

    /**
     * The message of a grab: body CouponEvent, tag, key coupon_sn, the properties the check-back reads,
     * and the grab's trace context when tracing is on.
     */
    static Message message(CouponGrabbed grabbed) {
        return message(Registry.TOPIC_COUPON_EVENTS, grabbed);
    }

    private static Message message(String topic, CouponGrabbed grabbed) {
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
        TraceHeaders.inject(msg);
        return msg;
    }

    @Override
    public void close() {
        producer.shutdown();
        checkExecutor.shutdownNow();
    }
}
