package io.flashcoupon.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean stopping = new AtomicBoolean(false);

    private Readiness readiness(Readiness.Check... checks) {
        return new Readiness(running::get, stopping::get, List.of(checks), Duration.ofSeconds(1), now::get,
                Runnable::run);
    }

    @Test
    void ready_when_running_and_every_dependency_answers() {
        Readiness.Report r = readiness(check("redis", () -> "grab script loaded"), check("mysql", () -> "")).report();
        assertThat(r.ready()).isTrue();
        assertThat(r.phase()).isEqualTo(Readiness.Phase.RUNNING);
        assertThat(r.dependencies()).extracting(Readiness.DependencyState::name).containsExactly("redis", "mysql");
        assertThat(r.dependencies().get(0).detail()).isEqualTo("grab script loaded");
        assertThat(r.down()).isEmpty();
    }

    @Test
    void a_failing_dependency_is_named_with_its_error() {
        Readiness.Report r = readiness(check("redis", () -> {
            throw new IllegalStateException("Connection refused: 127.0.0.1:6390");
        }), check("mysql", () -> "")).report();
        assertThat(r.ready()).isFalse();
        assertThat(r.down()).containsExactly("redis");
        assertThat(r.dependencies().get(0).detail()).contains("Connection refused: 127.0.0.1:6390");
    }

    @Test
    void a_check_runs_at_most_once_per_cache_period() {
        AtomicInteger calls = new AtomicInteger();
        Readiness readiness = readiness(check("redis", () -> {
            calls.incrementAndGet();
            return "";
        }));
        readiness.report();
        now.addAndGet(Duration.ofMillis(999).toNanos());
        readiness.report();
        assertThat(calls).as("within the second: the cached state").hasValue(1);
        now.addAndGet(Duration.ofMillis(1).toNanos());
        readiness.report();
        assertThat(calls).as("a second later: checked again").hasValue(2);
    }

    @Test
    void a_dependency_that_recovers_is_reported_up_after_the_cache_period() {
        AtomicBoolean down = new AtomicBoolean(true);
        Readiness readiness = readiness(check("redis", () -> {
            if (down.get()) {
                throw new IllegalStateException("down");
            }
            return "";
        }));
        assertThat(readiness.ready()).isFalse();
        down.set(false);
        assertThat(readiness.ready()).as("still the cached state").isFalse();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(readiness.ready()).isTrue();
    }

    @Test
    void not_ready_while_starting_or_stopping_whatever_the_dependencies_say() {
        Readiness readiness = readiness(check("redis", () -> ""));
        running.set(false);
        assertThat(readiness.report().phase()).isEqualTo(Readiness.Phase.STARTING);
        assertThat(readiness.ready()).isFalse();
        stopping.set(true);
        assertThat(readiness.report().phase()).isEqualTo(Readiness.Phase.STOPPING);
        assertThat(readiness.ready()).isFalse();
    }

    @Test
    void a_check_that_does_not_answer_in_time_is_down_and_not_started_twice() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        try {
            Readiness readiness = new Readiness(running::get, stopping::get, List.of(new Readiness.Check("mysql",
                    Duration.ofMillis(50), () -> {
                        started.incrementAndGet();
                        release.await();
                        return "";
                    })), Duration.ofSeconds(1), now::get, pool);
            Readiness.Report hung = readiness.report();
            assertThat(hung.ready()).isFalse();
            assertThat(hung.dependencies().get(0).detail()).isEqualTo("no answer within 50 ms");
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            assertThat(readiness.ready()).isFalse();
            assertThat(started).as("the hung check is waited on, not started again").hasValue(1);
            release.countDown();
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
                now.addAndGet(Duration.ofSeconds(2).toNanos());
                return readiness.ready();
            });
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    private static Readiness.Check check(String name, Readiness.Probe probe) {
        return new Readiness.Check(name, Duration.ofSeconds(1), probe);
    }
}
