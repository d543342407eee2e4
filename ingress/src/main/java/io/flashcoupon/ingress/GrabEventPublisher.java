package io.flashcoupon.ingress;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.EventType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;

/**
 * Runs a grab inside a RocketMQ transactional send: half message CouponGrabbed, then the grab
 * script as the local transaction, then commit or rollback; the broker's check-back answers
 * from the ledger when the outcome did not reach it.
 */
public final class GrabEventPublisher implements AutoCloseable {
    private final TransactionMQProducer producer;
    private final ExecutorService checkExecutor;

    public GrabEventPublisher(String namesrvAddr, String instanceName, int sendTimeoutMs, SaleStore store) {
        this.checkExecutor = new ThreadPoolExecutor(2, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000),
                r -> {
                    Thread t = new Thread(r, "grab-check-back");
                    t.setDaemon(true);
                    return t;
                });
        this.producer = new TransactionMQProducer(Registry.GROUP_GRAB_PRODUCER);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName(instanceName);
        producer.setSendMsgTimeout(sendTimeoutMs);
        producer.setRetryTimesWhenSendFailed(0);
        producer.setExecutorService(checkExecutor);
        producer.setTransactionListener(new GrabTransactionListener(store, new GrabChecker(store::resolve)));
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
        CouponEvent event = CouponEvent.newBuilder()
                .setEventId("grab-" + call.couponSn)
                .setType(EventType.COUPON_GRABBED)
                .setOccurredAtMs(call.grantedAtMs)
                .setGrabbed(grabbed)
                .build();
        Message msg = new Message(Registry.TOPIC_COUPON_EVENTS, Registry.TAG_COUPON_GRABBED, call.couponSn,
                event.toByteArray());
        msg.putUserProperty(Registry.PROP_ACTIVITY_ID, Long.toString(call.activityId));
        msg.putUserProperty(Registry.PROP_COUPON_SN, call.couponSn);
        TransactionSendResult ignored = producer.sendMessageInTransaction(msg, call);
    }

    @Override
    public void close() {
        producer.shutdown();
        checkExecutor.shutdownNow();
    }
}
