package io.flashcoupon.topology.usercoupon;

import io.flashcoupon.sinks.GrantedCoupon;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far the user_coupons rows trail the grants: per event, grant (granted_at_ms, the ingress's
 * wall clock) to its row's commit; and per batch, as a gauge, the same for the newest event of the
 * last committed batch. The gauge keeps its last value while no batch comes. Clocks of different
 * hosts may disagree: a negative lag is recorded as zero.
 */
public final class MaterializerMetrics {
    private final Clock clock;
    private final AtomicLong lastBatchLagMs = new AtomicLong();
    private final Timer eventLag;

    public MaterializerMetrics(MeterRegistry registry) {
        this.clock = registry.config().clock();
        Gauge.builder("coupon.materializer.lag", lastBatchLagMs, ms -> ms.get() / 1000.0)
                .baseUnit("seconds")
                .strongReference(true)
                .description("now minus granted_at of the newest event of the last batch, when its rows committed")
                .register(registry);
        this.eventLag = Timer.builder("coupon.materializer.event.lag")
                .description("one grant's granted_at to the commit of its user_coupons row")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
    }

    /** The rows of {@code coupons} just committed. */
    void committed(List<GrantedCoupon> coupons) {
        if (coupons.isEmpty()) {
            return;
        }
        long now = clock.wallTime();
        long newest = Long.MIN_VALUE;
        for (GrantedCoupon g : coupons) {
            eventLag.record(Math.max(0, now - g.grantedAtMs()), TimeUnit.MILLISECONDS);
            newest = Math.max(newest, g.grantedAtMs());
        }
        lastBatchLagMs.set(Math.max(0, now - newest));
    }
}
