package io.flashcoupon.ingress.admission;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} admissions per key (user id, client IP) in each wall-clock second.
 * O(1) per call; keys idle for two seconds are forgotten, and at most {@code maxKeys} are tracked
 * (the least recently used are dropped first, which only ever lets a request through).
 */
public final class RateLimiter<K> {
    private final int perSecond;
    private final LongSupplier millis;
    private final Cache<K, Window> windows;

    public RateLimiter(int perSecond, long maxKeys, LongSupplier millis) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("perSecond must be positive, was " + perSecond);
        }
        this.perSecond = perSecond;
        this.millis = millis;
        this.windows = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterAccess(Duration.ofSeconds(2)).build();
    }

    /** True when {@code key} may pass now (and counts it); false when it used its second up. */
    public boolean tryAcquire(K key) {
        long second = millis.getAsLong() / 1000;
        return windows.get(key, k -> new Window()).tryAcquire(second, perSecond);
    }

    private static final class Window {
        private long second = -1;
        private int count;

        synchronized boolean tryAcquire(long now, int limit) {
            if (now != second) {
                second = now;
                count = 0;
            }
            if (count >= limit) {
                return false;
            }
            count++;
            return true;
        }
    }
}
