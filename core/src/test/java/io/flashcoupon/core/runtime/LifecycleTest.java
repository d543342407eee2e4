package io.flashcoupon.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LifecycleTest {
    private final List<String> stopped = new CopyOnWriteArrayList<>();

    @Test
    void parts_stop_last_started_first() {
        Lifecycle lifecycle = new Lifecycle(5_000);
        lifecycle.onStop("pool", remaining -> stopped.add("pool"));
        lifecycle.onStop("producer", remaining -> stopped.add("producer"));
        lifecycle.onStop("server", remaining -> stopped.add("server"));

        assertThat(lifecycle.shutdown(5_000)).isTrue();

        assertThat(stopped).containsExactly("server", "producer", "pool");
    }

    @Test
    void each_part_gets_what_is_left_of_the_budget() {
        Lifecycle lifecycle = new Lifecycle(5_000);
        List<Long> given = new CopyOnWriteArrayList<>();
        lifecycle.onStop("second", given::add);
        lifecycle.onStop("first", remaining -> {
            given.add(remaining);
            Thread.sleep(200);
        });

        lifecycle.shutdown(2_000);

        assertThat(given.get(0)).isLessThanOrEqualTo(2_000L);
        assertThat(given.get(1)).as("less the first part's 200 ms").isLessThanOrEqualTo(given.get(0) - 200);
    }

    @Test
    void a_part_that_overruns_its_share_is_abandoned_and_the_rest_still_stop() throws Exception {
        Lifecycle lifecycle = new Lifecycle(5_000);
        CountDownLatch release = new CountDownLatch(1);
        lifecycle.onStop("pool", remaining -> stopped.add("pool"));
        lifecycle.onStop("broker", remaining -> release.await(10, TimeUnit.SECONDS));
        try {
            long t0 = System.nanoTime();
            assertThat(lifecycle.shutdown(300)).as("not everything stopped within the budget").isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2_000);
            await().atMost(5, TimeUnit.SECONDS).until(() -> stopped.contains("pool"));
        } finally {
            release.countDown();
        }
    }

    @Test
    void a_part_that_fails_to_stop_does_not_keep_the_others_running() {
        Lifecycle lifecycle = new Lifecycle(5_000);
        lifecycle.onStop("pool", remaining -> stopped.add("pool"));
        lifecycle.onStop("server", remaining -> {
            throw new IllegalStateException("already closed");
        });

        assertThat(lifecycle.shutdown(5_000)).isTrue();
        assertThat(stopped).containsExactly("pool");
    }

    @Test
    void ready_from_mark_ready_until_the_stop_begins_and_a_second_stop_does_nothing() {
        Lifecycle lifecycle = new Lifecycle(5_000);
        lifecycle.onStop("server", remaining -> stopped.add("server"));
        assertThat(lifecycle.ready()).isFalse();
        lifecycle.markReady();
        assertThat(lifecycle.ready()).isTrue();

        lifecycle.close();
        lifecycle.close();

        assertThat(lifecycle.ready()).isFalse();
        assertThat(stopped).containsExactly("server");
    }
}
