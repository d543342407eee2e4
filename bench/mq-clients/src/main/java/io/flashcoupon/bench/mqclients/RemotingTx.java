package io.flashcoupon.bench.mqclients;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * The service's path (GrantLedger): org.apache.rocketmq:rocketmq-client TransactionMQProducer
 * straight to the broker found through the name server. sendMessageInTransaction = synchronous half
 * message, the listener (here: COMMIT, where the service runs the Redis grab script), then a one-way
 * END_TRANSACTION. Same producer settings as the service: no retry, 3 s send timeout.
 */
final class RemotingTx implements TxClient {
    private final String namesrv;
    private final String topic;
    private final String tag;
    private final ThreadPoolExecutor checkExecutor =
            new ThreadPoolExecutor(2, 4, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10_000));
    private TransactionMQProducer producer;

    RemotingTx(String namesrv, String topic, String tag) {
        this.namesrv = namesrv;
        this.topic = topic;
        this.tag = tag;
    }

    @Override
    public String name() {
        return "remoting";
    }

    @Override
    public String describe() {
        return "rocketmq-client " + org.apache.rocketmq.common.MQVersion.getVersionDesc(
                org.apache.rocketmq.common.MQVersion.CURRENT_VERSION) + " TransactionMQProducer -> broker (name server "
                + namesrv + ")";
    }

    @Override
    public void start() throws Exception {
        producer = new TransactionMQProducer("mq-clients-probe-producer");
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("mq-clients-probe-" + ProcessHandle.current().pid());
        producer.setSendMsgTimeout(3_000);
        producer.setRetryTimesWhenSendFailed(0);
        producer.setExecutorService(checkExecutor);
        producer.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.COMMIT_MESSAGE; // the grab's "GRANTED"
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }
        });
        producer.start();
    }

    @Override
    public void transact(String key, byte[] body) throws Exception {
        Message msg = new Message(topic, tag, key, body);
        msg.putUserProperty("activity_id", "4242");
        msg.putUserProperty("coupon_sn", key);
        TransactionSendResult result = producer.sendMessageInTransaction(msg, null);
        if (result.getSendStatus() != SendStatus.SEND_OK
                || result.getLocalTransactionState() != LocalTransactionState.COMMIT_MESSAGE) {
            throw new IllegalStateException("not committed: " + result.getSendStatus() + " "
                    + result.getLocalTransactionState());
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.shutdown();
        }
        checkExecutor.shutdownNow();
    }
}
