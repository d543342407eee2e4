package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Rates and p99 of the live view from a registry shaped like the ingress's, on a mock clock. */
class LiveSamplerTest {
    private final MockClock clock = new MockClock();
    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
    private final Counter granted = outcome("granted");
    private final Counter soldOut = outcome("sold_out");
    private final Timer redis = timer("redis");
    private final Timer local = timer("local");
    private final LiveSampler sampler = new LiveSampler(new GrabMeterReader(registry)::read, clock::monotonicTime);

    private Counter outcome(String code) {
        return Counter.builder(Registry.METER_GRAB_OUTCOMES).tag("code", code).register(registry);
    }

    /** As GrabMetrics builds it. */
    private Timer timer(String path) {
        return Timer.builder(Registry.METER_GRAB_DURATION).tag("path", path).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(500_000)).maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
    }

    @Test
    void the_first_poll_has_no_window_and_later_ones_rate_what_happened_since() {
        assertThat(sampler.meters()).isNull();
        for (int i = 0; i < 300; i++) {
            granted.increment();
            redis.record(2, TimeUnit.MILLISECONDS);
        }
        soldOut.increment(50);
        for (int i = 0; i < 50; i++) {
            local.record(100, TimeUnit.MICROSECONDS);
        }
        clock.add(Duration.ofSeconds(3));
        MeterWindow w = sampler.meters();
        assertThat(w.seconds()).isEqualTo(3.0);
        assertThat(w.perSecond().get("granted")).isEqualTo(100.0);
        assertThat(w.inWindow().get("sold_out")).isEqualTo(50);
        // 350 grabs: 300 at 2 ms, 50 at 0.1 ms; the 347th lies in the bucket holding 2 ms.
        assertThat(w.p99Ms()).isBetween(2.0, 2.5);
        assertThat(w.p99Above()).isFalse();
    }

    @Test
    void the_window_slides_to_the_last_five_seconds_and_a_slow_tail_moves_p99() {
        sampler.meters();
        for (int i = 0; i < 100; i++) {
            redis.record(1, TimeUnit.MILLISECONDS);
        }
        clock.add(Duration.ofSeconds(6));
        sampler.meters();
        // Only what follows is in the next 5 s window: 10 grabs, 2 of them slow.
        for (int i = 0; i < 8; i++) {
            redis.record(1, TimeUnit.MILLISECONDS);
        }
        redis.record(300, TimeUnit.MILLISECONDS);
        redis.record(300, TimeUnit.MILLISECONDS);
        clock.add(Duration.ofSeconds(5));
        MeterWindow w = sampler.meters();
        assertThat(w.seconds()).isEqualTo(5.0);
        assertThat(w.p99Ms()).isBetween(300.0, 400.0);
        clock.add(Duration.ofSeconds(10));
        assertThat(sampler.meters().p99Ms()).as("no grab in the window").isNull();
    }

    @Test
    void beyond_the_largest_bucket_p99_is_that_bound_marked_above() {
        sampler.meters();
        redis.record(30, TimeUnit.SECONDS);
        clock.add(Duration.ofSeconds(1));
        MeterWindow w = sampler.meters();
        assertThat(w.p99Above()).isTrue();
        assertThat(w.p99Ms()).isGreaterThanOrEqualTo(5_000.0);
    }

    @Test
    void grants_per_second_come_from_the_ledger_of_each_sale() {
        assertThat(sampler.grants(7, 100).perSecond()).isNull();
        clock.add(Duration.ofSeconds(2));
        LiveSampler.Rate r = sampler.grants(7, 300);
        assertThat(r.perSecond()).isEqualTo(100.0);
        assertThat(r.seconds()).isEqualTo(2.0);
        assertThat(sampler.grants(8, 5).perSecond()).as("another sale has its own history").isNull();
        clock.add(Duration.ofSeconds(6));
        sampler.grants(7, 300);
        clock.add(Duration.ofSeconds(1));
        assertThat(sampler.grants(7, 300).perSecond()).as("nothing granted in the last window").isEqualTo(0.0);
    }

    @Test
    void polls_closer_than_the_minimum_gap_reuse_the_last_reading() {
        sampler.meters();
        clock.add(Duration.ofMillis(100));
        granted.increment();
        assertThat(sampler.meters()).as("still one reading").isNull();
    }
}
