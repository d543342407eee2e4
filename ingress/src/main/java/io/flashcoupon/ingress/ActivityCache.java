package io.flashcoupon.ingress;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import java.time.Duration;
import java.util.Optional;

/**
 * Activities as the grab's admission sees them: a per-process Caffeine cache in front of MySQL,
 * unknown ids cached too (bounded) so a flood of bad ids does not reach MySQL. Entries live at
 * most {@code ttl}; the cache only refuses on facts that cannot be undone (window over, ended),
 * Redis decides everything that can change (started, paused).
 */
public final class ActivityCache {
    private final LoadingCache<Long, Optional<Activity>> cache;

    public ActivityCache(ActivityRepository repository, Duration ttl) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(ttl)
                .build(repository::find);
    }

    public Optional<Activity> find(long activityId) {
        return cache.get(activityId);
    }
}
