package io.flashcoupon.topology.outbox;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.mq.BatchGuardPacing;
import io.flashcoupon.core.outbox.Outbox;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays the wallet lifecycle events from coupon_outbox to coupon-events. One thread per process
 * polls every pollMs and at once when {@link #wake()} says a change committed; it claims a batch,
 * sends each event and marks it sent. coupon-events is a TRANSACTION topic, so events go out as
 * transactional messages whose local transaction is already done (the outbox row is committed):
 * COMMIT at once, and the check-back answers COMMIT iff the event_id is in the outbox.
 * At least once: a crash between send and mark sends the event again (same event_id).
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final Outbox outbox;
    private final TransactionMQProducer producer;
    private final ScheduledExecutorService executor;
    private final String owner;
    private final long pollMs;
    private final int batchSize;
    private final long claimMs;
    private final Clock clock;
    private final AtomicBoolean wakeQueued = new AtomicBoolean();

    public OutboxRelay(Outbox outbox, String namesrvAddr, String instanceName, int sendTimeoutMs, long pollMs,
            int batchSize, long claimMs, Clock clock) {
        this(outbox, namesrvAddr, null, instanceName, sendTimeoutMs, pollMs, batchSize, claimMs, clock);
    }

    /** {@code rpcHook} signs every request (the broker's ACL credentials, BrokerAcl); null = none. */
    public OutboxRelay(Outbox outbox, String namesrvAddr, RPCHook rpcHook, String instanceName, int sendTimeoutMs,
            long pollMs, int batchSize, long claimMs, Clock clock) {
        this.outbox = outbox;
        this.owner = instanceName;
        this.pollMs = pollMs;
        this.batchSize = batchSize;
        this.claimMs = claimMs;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-relay");
            t.setDaemon(true);
            return t;
        });
        this.producer = new TransactionMQProducer(Registry.GROUP_OUTBOX_PRODUCER, rpcHook);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName(instanceName + "-outbox");
        producer.setSendMsgTimeout(sendTimeoutMs);
        BatchGuardPacing.slowDown(producer);
        producer.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                try {
                    return outbox.contains(msg.getUserProperty(Registry.PROP_EVENT_ID))
                            ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE;
                } catch (RuntimeException e) {
                    return LocalTransactionState.UNKNOW;
                }
            }
        });
    }

    public OutboxRelay start() throws MQClientException {
        producer.start();
        executor.scheduleWithFixedDelay(this::drainSafely, 0, pollMs, TimeUnit.MILLISECONDS);
        return this;
    }

    /** A change committed an event: drain now rather than at the next poll (cheap when called often). */
    public void wake() {
        if (wakeQueued.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    wakeQueued.set(false);
                    drainSafely();
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                wakeQueued.set(false);
            }
        }
    }

    private void drainSafely() {
        try {
            drain();
        } catch (RuntimeException e) {
            log.warn("outbox relay pass failed, retrying at the next poll: {}", e.toString());
        }
    }

    /** Sends claimed batches until none is left; stops at the first send failure (retried next poll). */
    void drain() {
        while (true) {
            List<Outbox.Pending> batch = outbox.claim(owner, clock.millis(), claimMs, batchSize);
            for (Outbox.Pending p : batch) {
                if (!send(p)) {
                    return;
                }
                outbox.published(p.id(), clock.millis());
            }
            if (batch.size() < batchSize) {
                return;
            }
        }
    }

    private boolean send(Outbox.Pending p) {
        Message m = new Message(Registry.TOPIC_COUPON_EVENTS, p.tag(), p.key(), p.body());
        m.putUserProperty(Registry.PROP_EVENT_ID, p.eventId());
        try {
            TransactionSendResult r = producer.sendMessageInTransaction(m, null);
            if (r.getSendStatus() == SendStatus.SEND_OK
                    && r.getLocalTransactionState() == LocalTransactionState.COMMIT_MESSAGE) {
                return true;
            }
            log.warn("outbox event {} not accepted: {} {}", p.eventId(), r.getSendStatus(), r.getLocalTransactionState());
        } catch (MQClientException | RuntimeException e) {
            log.warn("outbox event {} could not be sent: {}", p.eventId(), e.toString());
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
        producer.shutdown();
    }
}
