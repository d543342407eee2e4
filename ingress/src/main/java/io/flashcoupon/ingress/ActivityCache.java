package io.flashcoupon.ingress;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.flashcoupon.core.activity.Activity;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Activities as the grab's admission sees them: a per-process Caffeine cache in front of MySQL,
 * unknown ids cached too (bounded) so a flood of bad ids does not reach MySQL. Entries live at
 * most {@code ttl}, which bounds how long an operator's change goes unseen here: a stopped or
 * paused sale is refused locally within {@code ttl} (Redis refuses it at once), and a resumed one
 * may still be refused locally as paused for up to {@code ttl}. Redis decides whether a sale was
 * started.
 */
public final class ActivityCache {
    private final LoadingCache<Long, Optional<Activity>> cache;

    /** {@code loader} reads one activity from the store of record (MySQL). */
    public ActivityCache(LongFunction<Optional<Activity>> loader, Duration ttl) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(ttl)
                .build(loader::apply);
    }

    public Optional<Activity> find(long activityId) {
        return cache.get(activityId);
    }
}
