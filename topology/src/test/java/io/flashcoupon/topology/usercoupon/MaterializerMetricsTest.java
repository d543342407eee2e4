package io.flashcoupon.topology.usercoupon;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.sinks.GrantedCoupon;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MaterializerMetricsTest {
    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final MaterializerMetrics metrics = new MaterializerMetrics(registry);

    private static GrantedCoupon grantedAt(long ms) {
        return new GrantedCoupon("sn" + ms, 1, 1, 1, 7, 1, ms, Instant.EPOCH, Instant.EPOCH, null);
    }

    @Test
    void the_gauge_is_the_lag_of_the_newest_event_and_each_event_is_timed() {
        clock.add(Duration.ofSeconds(100));
        long now = clock.wallTime();
        metrics.committed(List.of(grantedAt(now - 3_000), grantedAt(now - 250), grantedAt(now - 1_000)));

        assertThat(registry.get("coupon.materializer.lag").gauge().value()).isEqualTo(0.25);
        Timer perEvent = registry.get("coupon.materializer.event.lag").timer();
        assertThat(perEvent.count()).isEqualTo(3);
        assertThat(perEvent.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(4_250.0);
        assertThat(perEvent.max(TimeUnit.MILLISECONDS)).isEqualTo(3_000.0);
    }

    @Test
    void a_grant_stamped_ahead_of_this_clock_counts_as_no_lag() {
        clock.add(Duration.ofSeconds(100));
        metrics.committed(List.of(grantedAt(clock.wallTime() + 40)));

        assertThat(registry.get("coupon.materializer.lag").gauge().value()).isZero();
        assertThat(registry.get("coupon.materializer.event.lag").timer().totalTime(TimeUnit.MILLISECONDS)).isZero();
    }

    @Test
    void an_empty_batch_leaves_the_gauge_as_it_was() {
        clock.add(Duration.ofSeconds(100));
        metrics.committed(List.of(grantedAt(clock.wallTime() - 500)));
        clock.add(Duration.ofSeconds(30));
        metrics.committed(List.of());

        assertThat(registry.get("coupon.materializer.lag").gauge().value()).isEqualTo(0.5);
    }
}
