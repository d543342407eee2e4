package io.flashcoupon.systemtest.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.cdc.FlatMessage;
import io.flashcoupon.core.cdc.FlatMessageCodec;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.launcher.EmbeddedBroker;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.topology.invalidation.CacheInvalidationJob;
import io.flashcoupon.topology.invalidation.CacheInvalidator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.consumer.DefaultMQPushConsumerImpl;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broadcast invalidation consumer against the embedded broker: it starts at the end of the
 * binlog topic (a starting process has an empty L1), so until its queues are assigned a row change is
 * silently skipped. start() therefore returns only once every queue is assigned and the broker knows
 * the consumer: a change published the moment start() returns must be applied.
 */
class CacheInvalidationJobIT {
    static final String DATABASE = "coupon_job_it";

    @TempDir
    static Path home;

    static final FaultPorts ports = new FaultPorts();
    static EmbeddedBroker broker;
    static DefaultMQProducer producer;

    @BeforeAll
    static void startBroker() throws Exception {
        System.setProperty("rocketmq.log.root", home.resolve("client-logs").toString());
        broker = EmbeddedBroker.start(home.resolve("broker"), ports.one(), ports.broker());
        TopicProvisioner.provision(broker.namesrvAddr(), List.of(), Duration.ofSeconds(60));
        producer = new DefaultMQProducer("cache-job-it");
        producer.setNamesrvAddr(broker.namesrvAddr());
        producer.start();
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) {
            producer.shutdown();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void a_change_published_the_moment_start_returns_is_applied_by_every_started_process() throws Exception {
        // Three processes' jobs, each started then sent a change at once; every job must drop every id.
        int jobs = 3;
        List<Set<Long>> dropped = new ArrayList<>();
        List<CacheInvalidationJob> started = new ArrayList<>();
        try {
            for (int i = 0; i < jobs; i++) {
                dropped.add(ConcurrentHashMap.newKeySet());
                CacheInvalidationJob job = job("job-it-" + i, dropped.get(i));
                started.add(job);
                job.start(Duration.ofSeconds(30));
                send(1000 + i);
            }
            await("every job drops every change sent after it started").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(20)).until(() -> {
                        for (int i = 0; i < jobs; i++) {
                            for (int sent = i; sent < jobs; sent++) {
                                if (!dropped.get(i).contains(1000L + sent)) {
                                    return false;
                                }
                            }
                        }
                        return true;
                    });
            assertThat(dropped.get(0)).containsExactlyInAnyOrder(1000L, 1001L, 1002L);
        } finally {
            started.forEach(CacheInvalidationJob::close);
        }
    }

    @Test
    void a_subscription_newer_than_the_brokers_does_not_stop_the_invalidations() throws Exception {
        // The rebalance that assigns the queues bumps the subscription's version and tells the broker in a
        // heartbeat that the client skips when its scheduled heartbeat holds the lock (CI saw ~20 s without
        // invalidations). Here the version is bumped with no heartbeat at all: the broker still has the old one.
        Set<Long> dropped = ConcurrentHashMap.newKeySet();
        String instance = "job-it-version";
        try (CacheInvalidationJob job = job(instance, dropped)) {
            job.start(Duration.ofSeconds(30));
            ClientConfig sameClient = new ClientConfig();
            sameClient.setNamesrvAddr(broker.namesrvAddr());
            sameClient.setInstanceName(instance);
            DefaultMQPushConsumerImpl consumer = (DefaultMQPushConsumerImpl) MQClientManager.getInstance()
                    .getOrCreateMQClientInstance(sameClient).selectConsumer(Registry.GROUP_CACHE_INVALIDATION);
            consumer.getSubscriptionInner().get(Registry.TOPIC_BINLOG).setSubVersion(System.currentTimeMillis() + 1);
            send(2000);
            // The client's next scheduled heartbeat would fix it on its own, but only after up to 30 s.
            await("the change sent after the version moved is dropped").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20)).until(() -> dropped.contains(2000L));
        }
    }

    /** A process's job (client instance {@code instance}) that records the activity ids it drops. */
    static CacheInvalidationJob job(String instance, Set<Long> dropped) {
        return new CacheInvalidationJob(broker.namesrvAddr(), instance,
                new CacheInvalidator(DATABASE, Map.of(Registry.TABLE_ACTIVITIES, dropped::add)),
                Executors.newSingleThreadScheduledExecutor(), 50, new SimpleMeterRegistry());
    }

    static void send(long activityId) throws Exception {
        FlatMessage change = new FlatMessage(List.of(Map.of("id", Long.toString(activityId))), DATABASE, 1L, 1L,
                false, Map.of(), List.of(Map.of()), List.of("id"), "", Map.of(), Registry.TABLE_ACTIVITIES, 2L,
                "UPDATE");
        Message m = new Message(Registry.TOPIC_BINLOG, Registry.TABLE_ACTIVITIES, new FlatMessageCodec().encode(change));
        assertThat(producer.send(m, 10_000).getSendStatus()).isEqualTo(SendStatus.SEND_OK);
    }
}
