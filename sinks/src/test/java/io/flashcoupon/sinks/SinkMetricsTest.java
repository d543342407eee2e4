package io.flashcoupon.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SinkMetricsTest {
    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final SinkMetrics metrics = new SinkMetrics(registry, "user_coupons");

    @Test
    void a_committed_batch_records_its_size_rows_and_write_time() {
        long start = metrics.start();
        clock.add(Duration.ofMillis(7));
        metrics.committed(40, start);
        metrics.committed(2, metrics.start());

        DistributionSummary sizes = registry.get("coupon.sink.batch.size").tag("sink", "user_coupons").summary();
        assertThat(sizes.count()).isEqualTo(2);
        assertThat(sizes.max()).isEqualTo(40.0);
        assertThat(registry.get("coupon.sink.rows").counter().count()).isEqualTo(42.0);
        assertThat(registry.get("coupon.sink.batch.duration").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7.0);
        assertThat(registry.get("coupon.sink.failures").counter().count()).isZero();
    }

    @Test
    void conflicts_are_counted_apart_from_rows() {
        metrics.committed(3, metrics.start());
        metrics.conflicts(1);

        assertThat(registry.get("coupon.sink.conflicts").tag("sink", "user_coupons").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.sink.rows").counter().count()).isEqualTo(3.0);
    }

    @Test
    void a_failed_batch_counts_as_a_failure_and_writes_no_rows() {
        metrics.failed();

        assertThat(registry.get("coupon.sink.failures").tag("sink", "user_coupons").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.sink.rows").counter().count()).isZero();
        assertThat(registry.get("coupon.sink.batch.size").summary().count()).isZero();
    }
}
