package io.flashcoupon.ingress;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.flashcoupon.core.activity.Activity;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Activities as the grab's admission sees them: a per-process Caffeine cache in front of MySQL,
 * unknown ids cached too (bounded) so a flood of bad ids does not reach MySQL. Entries live at
 * most {@code ttl}, which bounds how long an operator's change goes unseen here: a stopped or
 * paused sale is refused locally within {@code ttl} (Redis refuses it at once), and a resumed one
 * may still be refused locally as paused for up to {@code ttl}. Redis decides whether a sale was
 * started. Its hits and misses are metered ({@link #bindTo}) as the l1 level of cache "activity".
 */
public final class ActivityCache implements MeterBinder {
    private final LoadingCache<Long, Optional<Activity>> cache;

    /** {@code loader} reads one activity from the store of record (MySQL). */
    public ActivityCache(LongFunction<Optional<Activity>> loader, Duration ttl) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(ttl)
                .recordStats()
                .build(loader::apply);
    }

    public Optional<Activity> find(long activityId) {
        return cache.get(activityId);
    }

    /** coupon_cache_requests_total{cache="activity",level="l1",result="hit|miss"} and coupon_cache_size. */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("coupon.cache.requests", cache, c -> c.stats().hitCount())
                .tags("cache", "activity", "level", "l1", "result", "hit")
                .description("cache lookups by cache, level and result")
                .register(registry);
        FunctionCounter.builder("coupon.cache.requests", cache, c -> c.stats().missCount())
                .tags("cache", "activity", "level", "l1", "result", "miss")
                .description("cache lookups by cache, level and result")
                .register(registry);
        Gauge.builder("coupon.cache.size", cache, LoadingCache::estimatedSize)
                .tags("cache", "activity", "level", "l1")
                .description("entries held (estimate)")
                .register(registry);
    }
}
