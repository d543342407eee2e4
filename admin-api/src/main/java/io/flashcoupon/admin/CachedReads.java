package io.flashcoupon.admin;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.cache.TieredCache;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How GET /templates/{id} and GET /activities/{id} read (through the L1/L2/L3 caches, or straight
 * from MySQL), and what a write through this API drops from them at once, so the instance that
 * wrote reads its own write; other instances learn of it from the binlog (change data capture).
 */
public record CachedReads(LongFunction<Optional<Template>> template, LongFunction<Optional<Activity>> activity,
        LongConsumer templateChanged, LongConsumer activityChanged) {
    private static final Logger log = LoggerFactory.getLogger(CachedReads.class);

    /** Straight from MySQL, nothing to drop. */
    public static CachedReads direct(TemplateRepository templates, ActivityRepository activities) {
        return new CachedReads(templates::find, activities::find, id -> { }, id -> { });
    }

    /** Through the caches; a write drops L2 and this process's L1 (L1 only when Redis fails: the binlog does the rest). */
    public static CachedReads cached(TieredCache<Template> templates, TieredCache<Activity> activities) {
        return new CachedReads(templates::find, activities::find, id -> drop(templates, id), id -> drop(activities, id));
    }

    private static void drop(TieredCache<?> cache, long id) {
        try {
            cache.invalidate(id);
        } catch (RuntimeException e) {
            log.warn("could not drop {} {} from L2 after a write (the binlog event will): {}", cache.name(), id,
                    e.toString());
        }
    }
}
