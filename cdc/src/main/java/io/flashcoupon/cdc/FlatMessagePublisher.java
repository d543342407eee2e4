package io.flashcoupon.cdc;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.cdc.FlatMessage;
import io.flashcoupon.core.cdc.FlatMessageCodec;
import io.flashcoupon.core.mq.BatchGuardPacing;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * Sends flat messages to coupon-binlog-topic as Canal does (JSON body, tag = table), all messages
 * of one table to one queue so they stay in binlog order. {@link #send} returns only once the broker
 * stored the message; it throws otherwise, and the reader retries.
 */
public final class FlatMessagePublisher implements AutoCloseable {
    private final DefaultMQProducer producer;
    private final FlatMessageCodec codec = new FlatMessageCodec();
    private final int timeoutMs;

    public FlatMessagePublisher(String namesrvAddr, String instanceName, int timeoutMs) {
        this(namesrvAddr, null, instanceName, timeoutMs);
    }

    /** {@code rpcHook} signs every request (the broker's ACL credentials, BrokerAcl); null = none. */
    public FlatMessagePublisher(String namesrvAddr, RPCHook rpcHook, String instanceName, int timeoutMs) {
        this.timeoutMs = timeoutMs;
        this.producer = new DefaultMQProducer(Registry.GROUP_BINLOG_PRODUCER, rpcHook);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName(instanceName);
        producer.setRetryTimesWhenSendFailed(0);
        BatchGuardPacing.slowDown(producer);
    }

    public FlatMessagePublisher start() throws MQClientException {
        producer.start();
        return this;
    }

    public void send(FlatMessage m) throws Exception {
        Message msg = new Message(Registry.TOPIC_BINLOG, m.table(), codec.encode(m));
        msg.setKeys(m.database() + "." + m.table());
        SendResult r = producer.send(msg, (mqs, message, arg) -> mqs.get(Math.floorMod(arg.hashCode(), mqs.size())),
                m.database() + "." + m.table(), timeoutMs);
        if (r.getSendStatus() != SendStatus.SEND_OK) {
            throw new IllegalStateException("flat message of " + m.table() + " stored as " + r.getSendStatus());
        }
    }

    @Override
    public void close() {
        producer.shutdown();
    }
}
