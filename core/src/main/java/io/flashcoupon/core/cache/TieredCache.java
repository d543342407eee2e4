package io.flashcoupon.core.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import io.flashcoupon.core.runtime.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A row by id through L1 (Caffeine, this process) -> L2 (Redis, shared) -> L3 (MySQL, the truth).
 *
 * <p>Rules: an L1 hit allocates nothing but the boxed key (the cache stores the {@code Optional}
 * it returns). Ids found in no level are remembered in a separate, bounded negative L1 so a flood of
 * unknown ids neither reaches MySQL nor evicts real entries; L2 never stores absence. L2 is filled
 * only from L3 with a plain SET + TTL, and not at all when this process invalidated anything while
 * it was reading L3. {@link #invalidate} deletes L2 first, then L1, so an L1 refill cannot pick up the
 * old L2 copy; a refill from another process that raced the delete is removed by the caller's
 * delayed second invalidation (and bounded by the L2 TTL). An L2 error is counted and skipped: reads
 * fall through to MySQL. An invalidation never waits for a load: L1 holds the load's future, which the
 * invalidation removes at once (what the load returns then reaches only the readers already waiting
 * for it, whose reads overlapped the change); the load runs on the first reader's thread, outside the
 * cache's locks, so a slow MySQL read cannot hold up the consumer that applies every invalidation.
 * Refresh-ahead: a hit on an entry past half its L1 TTL is answered from it and starts one reload
 * (L2 then L3) on the refresher, which replaces the entry unless an invalidation came meanwhile; so a
 * steadily read row never expires under its readers, who would otherwise wait for the reload together
 * once per TTL (a 1 s activity TTL stalled the gRPC transport threads of grab admission ~30 ms each
 * time, Redis being slow under the grabs' fsyncs). The TTL still bounds what a reader can get.
 * Known gap: two levels of TTL bound staleness only if every invalidation is lost.
 */
public final class TieredCache<V> implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(TieredCache.class);

    /** Sizes and lifetimes of one cache; l2Ttl null = no L2 (L1 in front of L3 only). */
    public record Settings(int l1MaxSize, Duration l1Ttl, int negativeMaxSize, Duration negativeTtl, Duration l2Ttl) {}

    private final String name;
    private final AsyncCache<Long, Optional<V>> l1;
    private final Cache<Long, Boolean> negative;
    private final L2Store l2;
    private final LongFunction<String> l2Key;
    private final CacheCodec<V> codec;
    private final LongFunction<Optional<V>> l3;
    private final long l2TtlMs;
    /** Where refresh-ahead reloads run: one daemon thread shared by every cache of the process. */
    private static final ExecutorService SHARED_REFRESHER =
            Executors.newSingleThreadExecutor(DaemonThreads.named("cache-refresh"));

    private final Executor refresher;
    private final long refreshAfterNanos;
    /** Keys whose refresh-ahead reload is queued or running (one at a time per key). */
    private final Set<Long> refreshing = ConcurrentHashMap.newKeySet();
    /** Bumped by every invalidation; a load that saw it move does not fill L2 or the negative cache. */
    private final AtomicLong generation = new AtomicLong();

    private final LongAdder l1Hits = new LongAdder();
    private final LongAdder l1Misses = new LongAdder();
    private final LongAdder l2Hits = new LongAdder();
    private final LongAdder l2Misses = new LongAdder();
    private final LongAdder l2Errors = new LongAdder();
    private final LongAdder l3Hits = new LongAdder();
    private final LongAdder l3Misses = new LongAdder();
    private final LongAdder invalidations = new LongAdder();

    /**
     * {@code name} tags the metrics (e.g. "activity"); {@code l2} with {@code l2Key} and {@code codec} is
     * the shared level (all three null for none); {@code l3} reads the store of record.
     */
    public TieredCache(String name, Settings settings, L2Store l2, LongFunction<String> l2Key, CacheCodec<V> codec,
            LongFunction<Optional<V>> l3) {
        this(name, settings, l2, l2Key, codec, l3, SHARED_REFRESHER);
    }

    /** As above, refresh-ahead reloads on {@code refresher}. */
    public TieredCache(String name, Settings settings, L2Store l2, LongFunction<String> l2Key, CacheCodec<V> codec,
            LongFunction<Optional<V>> l3, Executor refresher) {
        this.name = name;
        this.refresher = refresher;
        this.refreshAfterNanos = settings.l1Ttl().toNanos() / 2;
        // An in-flight future does not expire; the TTL runs from the load's completion.
        this.l1 = Caffeine.newBuilder().maximumSize(settings.l1MaxSize()).expireAfterWrite(settings.l1Ttl())
                .executor(Runnable::run).buildAsync();
        this.negative = Caffeine.newBuilder().maximumSize(settings.negativeMaxSize())
                .expireAfterWrite(settings.negativeTtl()).build();
        this.l2 = l2;
        this.l2Key = l2Key;
        this.codec = codec;
        this.l3 = l3;
        this.l2TtlMs = settings.l2Ttl() == null ? 0 : settings.l2Ttl().toMillis();
    }

    /** A cache without L2: L1 (and its negative part, both {@code ttl}, 10,000 entries) in front of {@code l3}. */
    public static <V> TieredCache<V> l1Only(String name, LongFunction<Optional<V>> l3, Duration ttl) {
        return new TieredCache<>(name, new Settings(10_000, ttl, 10_000, ttl, null), null, null, null, l3);
    }

    /** The row {@code id}, or empty when MySQL has none. */
    public Optional<V> find(long id) {
        Long key = id;
        CompletableFuture<Optional<V>> cached = l1.getIfPresent(key);
        if (cached != null || negative.getIfPresent(key) != null) {
            l1Hits.increment();
            if (cached instanceof Loaded<?> loaded && cached.isDone()) {
                refreshIfOld(key, loaded);
            }
            Optional<V> hit = cached == null ? null : join(cached);
            return hit != null ? hit : Optional.empty();
        }
        l1Misses.increment();
        long seen = generation.get();
        CompletableFuture<Optional<V>> mine = new Loaded<>();
        CompletableFuture<Optional<V>> running = l1.asMap().putIfAbsent(key, mine);
        Optional<V> loaded;
        if (running != null) {
            loaded = join(running);
        } else {
            try {
                loaded = loadPresent(key);
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e); // not kept: Caffeine drops a failed future
                throw e;
            }
            mine.complete(loaded); // null (absent everywhere) is not kept either
        }
        if (loaded != null) {
            return loaded;
        }
        if (generation.get() == seen) {
            negative.put(key, Boolean.TRUE);
        }
        return Optional.empty();
    }

    /** Starts one reload of {@code key} when its entry is past half its TTL (see the class comment). */
    private void refreshIfOld(Long key, Loaded<?> entry) {
        if (System.nanoTime() - entry.loadedAt < refreshAfterNanos || !refreshing.add(key)) {
            return;
        }
        long seen = generation.get();
        try {
            refresher.execute(() -> {
                try {
                    Optional<V> fresh = loadPresent(key);
                    if (fresh != null) {
                        // only over an entry still there and only if nothing was invalidated meanwhile
                        l1.asMap().computeIfPresent(key, (k, old) ->
                                generation.get() == seen ? Loaded.of(fresh) : old);
                    }
                } catch (RuntimeException e) {
                    log.debug("refresh of {} {} failed (the entry expires as usual): {}", name, key, e.toString());
                } finally {
                    refreshing.remove(key);
                }
            });
        } catch (RejectedExecutionException e) {
            refreshing.remove(key);
        }
    }

    /**
     * An L1 entry that knows when it was loaded, so a hit can tell its age without asking Caffeine's
     * policy (its ageOf allocates an OptionalLong per call: an L1 hit must not allocate beyond its key).
     * The TTL runs from the same moment (Caffeine starts it when the future completes).
     */
    private static final class Loaded<T> extends CompletableFuture<T> {
        volatile long loadedAt;

        static <T> Loaded<T> of(T value) {
            Loaded<T> f = new Loaded<>();
            f.complete(value);
            return f;
        }

        @Override
        public boolean complete(T value) {
            loadedAt = System.nanoTime();
            return super.complete(value);
        }
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** L2 then L3; null (nothing cached in L1) when the row exists nowhere. */
    private Optional<V> loadPresent(Long id) {
        String key = l2 == null ? null : l2Key.apply(id);
        if (key != null) {
            try {
                String json = l2.get(key);
                V value = json == null ? null : codec.decode(json);
                if (value != null) {
                    l2Hits.increment();
                    return Optional.of(value);
                }
                l2Misses.increment();
            } catch (RuntimeException e) {
                l2Errors.increment();
                log.warn("L2 read of {} failed, reading MySQL: {}", key, e.toString());
                key = null;
            }
        }
        long seen = generation.get();
        Optional<V> row = l3.apply(id);
        if (row.isEmpty()) {
            l3Misses.increment();
            return null;
        }
        l3Hits.increment();
        if (key != null && generation.get() == seen) {
            try {
                l2.set(key, codec.encode(row.get()), l2TtlMs);
            } catch (RuntimeException e) {
                l2Errors.increment();
                log.warn("L2 fill of {} failed: {}", key, e.toString());
            }
        }
        return row;
    }

    /**
     * Drops row {@code id} from L2 (shared) and then from this process's L1, including a remembered
     * absence. Idempotent. Throws when L2 could not be reached (L1 is dropped anyway), so the caller can
     * retry.
     */
    public void invalidate(long id) {
        generation.incrementAndGet();
        invalidations.increment();
        try {
            if (l2 != null) {
                l2.delete(l2Key.apply(id));
            }
        } finally {
            invalidateLocal(id);
        }
    }

    /** Drops row {@code id} from this process's L1 only. */
    public void invalidateLocal(long id) {
        generation.incrementAndGet();
        Long key = id;
        l1.synchronous().invalidate(key);
        negative.invalidate(key);
    }

    public String name() {
        return name;
    }

    /**
     * coupon_cache_requests_total{cache, level=l1|l2|l3, result=hit|miss|error} (an L1 hit includes a
     * remembered absence; an L3 miss is an id MySQL does not have), coupon_cache_size{cache, level=l1}
     * (entries and remembered absences) and coupon_cache_invalidations_total{cache}.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "l1", "hit", l1Hits);
        counter(registry, "l1", "miss", l1Misses);
        if (l2 != null) {
            counter(registry, "l2", "hit", l2Hits);
            counter(registry, "l2", "miss", l2Misses);
            counter(registry, "l2", "error", l2Errors);
        }
        counter(registry, "l3", "hit", l3Hits);
        counter(registry, "l3", "miss", l3Misses);
        Gauge.builder("coupon.cache.size", this, c -> c.l1.synchronous().estimatedSize() + c.negative.estimatedSize())
                .tags("cache", name, "level", "l1")
                .description("entries held (estimate)")
                .register(registry);
        FunctionCounter.builder("coupon.cache.invalidations", invalidations, LongAdder::sum)
                .tags("cache", name)
                .description("rows dropped from L2 and L1 by change data capture or a local write")
                .register(registry);
    }

    private void counter(MeterRegistry registry, String level, String result, LongAdder adder) {
        FunctionCounter.builder("coupon.cache.requests", adder, LongAdder::sum)
                .tags("cache", name, "level", level, "result", result)
                .description("cache lookups by cache, level and result")
                .register(registry);
    }
}
