package io.flashcoupon.topology.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.cdc.FlatMessage;
import io.flashcoupon.core.cdc.FlatMessageCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

/** The job's handling of one message, driven without a broker (the consumer is never started). */
class CacheInvalidationJobTest {
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    static MessageExt message(byte[] body) {
        MessageExt m = new MessageExt();
        m.setTopic(Registry.TOPIC_BINLOG);
        m.setBody(body);
        return m;
    }

    static byte[] update(long activityId) {
        return new FlatMessageCodec().encode(new FlatMessage(List.of(Map.of("id", Long.toString(activityId))), "coupon",
                1L, 1L, false, Map.of(), List.of(Map.of()), List.of("id"), "", Map.of(), Registry.TABLE_ACTIVITIES, 2L,
                "UPDATE"));
    }

    double count(String result) {
        return metrics.get("coupon.cdc.messages").tag("result", result).counter().count();
    }

    @Test
    void a_row_change_is_dropped_at_once_and_again_after_the_second_delete_delay() throws Exception {
        List<Long> drops = new CopyOnWriteArrayList<>();
        List<Thread> droppedOn = new CopyOnWriteArrayList<>();
        CountDownLatch twice = new CountDownLatch(2);
        CacheInvalidator invalidator = new CacheInvalidator("coupon", Map.of(Registry.TABLE_ACTIVITIES, id -> {
            drops.add(id);
            droppedOn.add(Thread.currentThread());
            twice.countDown();
        }));
        try (CacheInvalidationJob job = new CacheInvalidationJob("127.0.0.1:1", "test", invalidator,
                Executors.newSingleThreadScheduledExecutor(), 50, metrics)) {
            long t0 = System.nanoTime();
            job.handle(message(update(7)));
            // Read by thread, not by count: on a loaded machine the 50 ms second drop may already be in.
            assertThat(droppedOn).as("the first drop runs on the consumer thread, before handle returns")
                    .first().isSameAs(Thread.currentThread());
            assertThat(twice.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
            assertThat(droppedOn.get(1)).as("the second drop runs on the scheduler").isNotSameAs(Thread.currentThread());
            assertThat(drops).containsExactly(7L, 7L);
            assertThat(count("applied")).isEqualTo(1);
        }
    }

    @Test
    void a_drop_that_fails_is_retried_until_it_succeeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch succeededAfterFailures = new CountDownLatch(1);
        CacheInvalidator invalidator = new CacheInvalidator("coupon", Map.of(Registry.TABLE_ACTIVITIES, id -> {
            if (calls.incrementAndGet() <= 3) {
                throw new IllegalStateException("redis down");
            }
            succeededAfterFailures.countDown();
        }));
        try (CacheInvalidationJob job = new CacheInvalidationJob("127.0.0.1:1", "test", invalidator,
                Executors.newSingleThreadScheduledExecutor(), 10, metrics)) {
            job.handle(message(update(8)));
            assertThat(succeededAfterFailures.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(calls.get()).isEqualTo(4);
            assertThat(metrics.get("coupon.cdc.messages").tag("result", "failed").counter().count()).isEqualTo(3);
        }
    }

    @Test
    void malformed_and_foreign_messages_are_counted_and_drop_nothing() {
        List<Long> drops = new CopyOnWriteArrayList<>();
        CacheInvalidator invalidator = new CacheInvalidator("coupon", Map.of(Registry.TABLE_ACTIVITIES, drops::add));
        try (CacheInvalidationJob job = new CacheInvalidationJob("127.0.0.1:1", "test", invalidator,
                Executors.newSingleThreadScheduledExecutor(), 10, metrics)) {
            job.handle(message("{not json".getBytes(StandardCharsets.UTF_8)));
            job.handle(message(new FlatMessageCodec().encode(new FlatMessage(null, "coupon", 1L, 1L, true, null, null,
                    null, "ALTER TABLE flash_sale_activities ADD c INT", null, Registry.TABLE_ACTIVITIES, 2L, "ALTER"))));
            assertThat(drops).isEmpty();
            assertThat(count("malformed")).isEqualTo(1);
            assertThat(count("ignored")).isEqualTo(1);
        }
    }
}
