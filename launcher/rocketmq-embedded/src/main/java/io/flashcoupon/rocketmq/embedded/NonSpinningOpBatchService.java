package io.flashcoupon.rocketmq.embedded;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.function.Supplier;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.transaction.TransactionalMessageService;
import org.apache.rocketmq.broker.transaction.queue.MessageQueueOpContext;
import org.apache.rocketmq.broker.transaction.queue.TransactionalMessageServiceImpl;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.ServiceThread;

/**
 * The broker thread that writes the "op" records marking half messages as committed or rolled back,
 * in place of RocketMQ 5.5.0's {@code TransactionalOpBatchService}, which spins on a whole core once a
 * half-message queue has had no op for {@code transactionOpBatchInterval} (apache/rocketmq#10966).
 *
 * <p>The batching rule is the broker's own and so is the writing ({@code batchSendOpMessage}): a
 * queue's pending ops are written when its batch reaches {@code transactionOpMsgMaxSize} (the broker
 * then also wakes this thread) or when {@code transactionOpBatchInterval} has passed since the queue's
 * last op write. Only the time of the next round differs. 5.5.0 takes it from the oldest last-write
 * time of every queue, drained ones included, so a queue drained longer than the interval ago puts
 * every next round in the past and the thread never sleeps. Here it is the earliest such deadline among
 * queues that hold pending ops, now when a batch is full, and at most {@link #IDLE_POLL_MILLIS} away:
 * the broker does not wake this thread for the first op after a quiet spell (5.5.0 found it at once
 * because it was spinning), so the thread looks for it that often.
 *
 * <p>Known gaps: installed by reflection into the 5.5.0 class layout ({@link #install} fails start-up
 * when the layout is not there); the first op after a quiet spell is written up to
 * {@link #IDLE_POLL_MILLIS} later than the spinning thread wrote it; like 5.5.0, a stop does not write
 * the ops still pending (their half messages are checked back after a restart).
 */
final class NonSpinningOpBatchService extends ServiceThread {

    /** Thread name; starts like 5.5.0's so thread dumps and the idle-CPU test find it either way. */
    static final String THREAD_NAME = "TransactionalOpBatchService-nonspinning";

    /** Longest sleep: how late the first op after a quiet spell may be noticed. */
    static final long IDLE_POLL_MILLIS = 100;

    private static final String FIELD = "transactionalOpBatchService";

    private final Runnable writeDueBatches;
    private final Supplier<Collection<MessageQueueOpContext>> queues;
    private final BrokerConfig config;
    private long nextRoundAt;

    /**
     * @param writeDueBatches writes every queue whose batch is due ({@code batchSendOpMessage})
     * @param queues the per-queue op buffers that {@code writeDueBatches} drains
     * @param config read on every round, like the broker does (the settings may be updated at run time)
     */
    NonSpinningOpBatchService(Runnable writeDueBatches, Supplier<Collection<MessageQueueOpContext>> queues,
                              BrokerConfig config) {
        this.writeDueBatches = writeDueBatches;
        this.queues = queues;
        this.config = config;
    }

    /**
     * Stops the broker's own op-batch thread and starts this one in its place. Call between
     * {@code initialize()} and {@code start()}: no transaction can end before the broker serves
     * requests, so no op is pending in the thread being replaced.
     *
     * @throws IllegalStateException if the broker's transactional message service is not 5.5.0's
     *     {@code TransactionalMessageServiceImpl} holding a {@code ServiceThread} in the expected field
     */
    static void install(BrokerController broker) {
        TransactionalMessageService service = broker.getTransactionalMessageService();
        if (!(service instanceof TransactionalMessageServiceImpl impl)) {
            throw layoutChanged("the transactional message service is "
                    + (service == null ? "missing" : service.getClass().getName()), null);
        }
        Field field;
        ServiceThread stock;
        try {
            field = TransactionalMessageServiceImpl.class.getDeclaredField(FIELD);
            field.setAccessible(true);
            stock = (ServiceThread) field.get(impl);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw layoutChanged("no ServiceThread field " + FIELD + " in TransactionalMessageServiceImpl", e);
        }
        NonSpinningOpBatchService replacement = new NonSpinningOpBatchService(
                impl::batchSendOpMessage, () -> impl.getDeleteContext().values(), broker.getBrokerConfig());
        if (stock != null) {
            stock.shutdown(); // wakes it; it leaves its loop after one (empty) round and is joined
        }
        try {
            field.set(impl, replacement);
        } catch (IllegalAccessException e) {
            throw layoutChanged("cannot replace " + FIELD, e);
        }
        replacement.start();
    }

    @Override
    public String getServiceName() {
        return THREAD_NAME;
    }

    @Override
    public void run() {
        // The broker stamps op buffers with System.currentTimeMillis(): the rounds use the same clock.
        nextRoundAt = System.currentTimeMillis() + Math.min(IDLE_POLL_MILLIS, config.getTransactionOpBatchInterval());
        while (!isStopped()) {
            waitForRunning(Math.max(0, nextRoundAt - System.currentTimeMillis()));
        }
    }

    /** Called by {@link #waitForRunning} after every wait, and after a wake-up by the broker. */
    @Override
    protected void onWaitEnd() {
        try {
            writeDueBatches.run();
            nextRoundAt = nextRoundAt(queues.get(), System.currentTimeMillis(),
                    config.getTransactionOpBatchInterval(), config.getTransactionOpMsgMaxSize());
        } catch (RuntimeException e) {
            // A thread that died here would leave every later op to the check-back: log and go on.
            log.error("{}: writing op batches failed", THREAD_NAME, e);
            nextRoundAt = System.currentTimeMillis() + IDLE_POLL_MILLIS;
        }
    }

    /**
     * When the next round should run: {@code now} if a queue's batch is full, else the earliest
     * {@code last write + batchIntervalMillis} among queues holding pending ops, but no later than
     * {@code now + min(IDLE_POLL_MILLIS, batchIntervalMillis)}. A drained queue sets no deadline.
     */
    static long nextRoundAt(Collection<MessageQueueOpContext> queues, long now, long batchIntervalMillis,
                            int maxBatchSize) {
        long next = now + Math.min(IDLE_POLL_MILLIS, batchIntervalMillis);
        for (MessageQueueOpContext queue : queues) {
            int pendingSize = queue.getTotalSize().get();
            if (pendingSize <= 0 || queue.getContextQueue().isEmpty()) {
                continue;
            }
            if (pendingSize >= maxBatchSize) {
                return now;
            }
            next = Math.min(next, queue.getLastWriteTimestamp() + batchIntervalMillis);
        }
        return next;
    }

    private static IllegalStateException layoutChanged(String what, Throwable cause) {
        return new IllegalStateException("Embedded RocketMQ: cannot replace the broker's op-batch thread ("
                + what + "); the fix for apache/rocketmq#10966 is written against RocketMQ 5.5.0. If this"
                + " version no longer spins, start with opBatchIdleSpinFix=false and remove "
                + NonSpinningOpBatchService.class.getSimpleName(), cause);
    }
}
