package io.flashcoupon.topology.invalidation;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.cdc.FlatMessage;
import io.flashcoupon.core.cdc.FlatMessageCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.consumer.RebalanceImpl;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the caches of THIS process true: reads coupon-binlog-topic in BROADCASTING mode (every
 * process its own copy of every flat message, whoever wrote it: the embedded reader or Canal) and
 * drops the changed rows from Redis (L2), then from this process's Caffeine (L1). Each drop is
 * repeated after {@code secondDeleteMs} (a read racing the first one may have re-filled L2 with the
 * old row), and retried at that pace while Redis fails (broadcast consumers get no redelivery).
 * A message that is not a flat message is counted and skipped. Known gap: a process that was down
 * does not replay what it missed; it starts with an empty L1, and L2 entries live at most cache.l2-ttl-ms.
 */
public final class CacheInvalidationJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheInvalidationJob.class);
    private static final int MAX_RETRIES = 20;

    private final DefaultMQPushConsumer consumer;
    private final CacheInvalidator invalidator;
    private final FlatMessageCodec codec = new FlatMessageCodec();
    private final ScheduledExecutorService scheduler;
    private final long secondDeleteMs;
    private final Counter messages;
    private final Counter ignored;
    private final Counter malformed;
    private final Counter failures;

    public CacheInvalidationJob(String namesrvAddr, String instanceName, CacheInvalidator invalidator,
            ScheduledExecutorService scheduler, long secondDeleteMs, MeterRegistry metrics) {
        this(namesrvAddr, null, instanceName, invalidator, scheduler, secondDeleteMs, metrics);
    }

    /** {@code rpcHook} signs every request (the broker's ACL credentials, BrokerAcl); null = none. */
    public CacheInvalidationJob(String namesrvAddr, RPCHook rpcHook, String instanceName, CacheInvalidator invalidator,
            ScheduledExecutorService scheduler, long secondDeleteMs, MeterRegistry metrics) {
        this.invalidator = invalidator;
        this.scheduler = scheduler;
        this.secondDeleteMs = secondDeleteMs;
        this.messages = counter(metrics, "applied");
        this.ignored = counter(metrics, "ignored");
        this.malformed = counter(metrics, "malformed");
        this.failures = counter(metrics, "failed");
        this.consumer = new DefaultMQPushConsumer(Registry.GROUP_CACHE_INVALIDATION, rpcHook);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setInstanceName(instanceName);
        consumer.setMessageModel(MessageModel.BROADCASTING);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        consumer.setOffsetStore(new ProcessLocalOffsets());
        // Each pull carries the subscription, so the broker never answers "subscription not latest":
        // the rebalance that assigns the queues bumps the subscription's version and tells the broker in
        // a heartbeat that is skipped when the client's scheduled heartbeat holds the lock; until the
        // next one (30 s) every pull would be refused and this process would see no invalidation.
        consumer.setPostSubscriptionWhenPull(true);
        consumer.setConsumeThreadMin(1);
        consumer.setConsumeThreadMax(2);
        consumer.setMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            msgs.forEach(this::handle);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
    }

    private static Counter counter(MeterRegistry metrics, String result) {
        return Counter.builder("coupon.cdc.messages").tag("result", result)
                .description("flat messages read from coupon-binlog-topic by this process's cache invalidation")
                .register(metrics);
    }

    /**
     * Starts the consumer and returns once it holds every queue of the binlog topic. It starts at the
     * queues' end, so a change published before a queue is assigned is never seen by this process; the
     * client assigns queues on its own only after a rebalance (~1 s after start, or 20 s when its first
     * heartbeat loses a race with its own scheduled one), so this nudges route and rebalance until every
     * queue is held. A process must not report ready before its caches can be kept true.
     *
     * @throws IllegalStateException if the queues are not all held within {@code within}
     */
    public CacheInvalidationJob start(Duration within) throws MQClientException, InterruptedException {
        consumer.subscribe(Registry.TOPIC_BINLOG, "*");
        consumer.start();
        MQClientInstance client = consumer.getDefaultMQPushConsumerImpl().getmQClientFactory();
        RebalanceImpl rebalance = consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl();
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Set<MessageQueue> queues = rebalance.getTopicSubscribeInfoTable().get(Registry.TOPIC_BINLOG);
            if (queues == null || queues.isEmpty()) {
                client.updateTopicRouteInfoFromNameServer(Registry.TOPIC_BINLOG);
            } else if (rebalance.getProcessQueueTable().keySet().containsAll(queues)) {
                log.info("cache invalidation reads {} queue(s) of {}", queues.size(), Registry.TOPIC_BINLOG);
                return this;
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("cache invalidation holds " + rebalance.getProcessQueueTable().size()
                        + " of " + (queues == null ? 0 : queues.size()) + " queue(s) of " + Registry.TOPIC_BINLOG
                        + " after " + within.toMillis() + " ms");
            }
            client.rebalanceImmediately();
            Thread.sleep(50);
        }
    }

    /** Applies one message (package-private for tests that drive it without a broker). */
    void handle(MessageExt msg) {
        FlatMessage m;
        try {
            m = codec.decode(msg.getBody());
        } catch (IllegalArgumentException e) {
            malformed.increment();
            log.warn("skipping message {} of {}: {}", msg.getMsgId(), Registry.TOPIC_BINLOG, e.getMessage());
            return;
        }
        List<CacheInvalidator.Target> targets = invalidator.targets(m);
        if (targets.isEmpty()) {
            ignored.increment();
            return;
        }
        messages.increment();
        drop(targets, 0);
    }

    private void drop(List<CacheInvalidator.Target> targets, int attempt) {
        boolean failed = false;
        try {
            invalidator.apply(targets);
        } catch (RuntimeException e) {
            failed = true;
            failures.increment();
            log.warn("cache invalidation of {} failed (attempt {}): {}", targets, attempt + 1, e.toString());
        }
        // attempt 0 is the first drop; attempt 1 the delayed second one; later ones only while failing.
        if (attempt == 0 || (failed && attempt < MAX_RETRIES)) {
            try {
                scheduler.schedule(() -> drop(targets, attempt + 1), secondDeleteMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // shutting down
            }
        } else if (failed) {
            log.error("giving up invalidating {} after {} attempts; L2 copies expire after cache.l2-ttl-ms", targets,
                    attempt + 1);
        }
    }

    @Override
    public void close() {
        consumer.shutdown();
        scheduler.shutdownNow();
    }
}
