package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.cache.TieredCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Activities as the grab's admission sees them: {@link TieredCache} "activity" (Caffeine L1 ->
 * Redis L2 -> MySQL), unknown ids remembered too (bounded) so a flood of bad ids does not reach
 * MySQL. A change in MySQL drops the entry on every instance as soon as its binlog event arrives
 * (change data capture); the L1 TTL ({@code activity-cache-ms}) bounds staleness only when that
 * event is lost. Redis decides whether a sale was started and re-checks status and window on every
 * grab that passes. Metered ({@link #bindTo}) as cache "activity".
 */
public final class ActivityCache implements MeterBinder {
    private final TieredCache<Activity> cache;

    public ActivityCache(TieredCache<Activity> cache) {
        this.cache = cache;
    }

    /** L1 only, in front of {@code loader} (MySQL), entries living {@code ttl}. */
    public ActivityCache(LongFunction<Optional<Activity>> loader, Duration ttl) {
        this(TieredCache.l1Only("activity", loader, ttl));
    }

    public Optional<Activity> find(long activityId) {
        return cache.find(activityId);
    }

    /** coupon_cache_requests_total{cache="activity",level,result} and coupon_cache_size (see {@link TieredCache#bindTo}). */
    @Override
    public void bindTo(MeterRegistry registry) {
        cache.bindTo(registry);
    }
}
