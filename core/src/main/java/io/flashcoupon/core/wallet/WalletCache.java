package io.flashcoupon.core.wallet;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Each user's wallet - the newest {@link #WINDOW} coupons - in this process's memory (L1 only), so a
 * winner opening the wallet, and the order page matching it, do not reach MySQL on every call.
 *
 * <p>Kept true by every write to the user's coupons, whoever made it (the sink, the Saga branches, the
 * expiry jobs, an operator's SQL): the binlog event of the user_coupons row drops the user's wallet on
 * every process ({@link #invalidate}, through the cache invalidation's broadcast consumer). A load and
 * an invalidation of the same user never interleave wrongly, and the invalidation never waits for the
 * load: the cache holds the load's future, the invalidation removes it at once, so what the load
 * returns goes only to the readers that were already waiting for it (their reads overlapped the
 * change) and the next reader loads again. Concurrent readers of a cold wallet wait for one load,
 * which runs on a reader's thread, outside the cache's locks (a slow MySQL read cannot hold up the
 * single invalidation consumer, and with it every cache's invalidations).
 *
 * <p>Cold wallets of different users are loaded together (natural batching, as the grab's group
 * commit): a reader missing the cache queues its user; at most {@code loaders} readers at a time each
 * take up to {@code maxBatch} queued users and read them in one MySQL statement, the others wait for
 * their wallet; a loader stops once its own wallet is read. Alone, a reader loads its own user at once; under a crowd of winners opening their
 * wallets, one statement serves many (the per-statement cost - pool, round trip, parse, result
 * metadata - was most of a cold read's CPU, docs/performance.md). Each user's future is in the cache
 * from the moment it is queued, so invalidation works as above: a change while the user is queued or
 * loading drops the future, and only the readers already waiting get what the batch read.
 *
 * <p>Staleness bound: a wallet is served at most {@code ttl} (business.reads.wallet-cache-ms) plus one
 * MySQL read after it was loaded - so a shopper never sees a coupon in a state it left more than that
 * ago, and sees a won coupon at most that long after its row was committed - and in practice only for
 * the binlog's lag (CacheCoherenceIT measures it). Known gap: when the binlog path is down, the TTL
 * is the only bound.
 */
public final class WalletCache implements MeterBinder {
    /** Coupons of a wallet kept: the newest ones, as many as an order is matched against. */
    public static final int WINDOW = OrderCoupons.WALLET_LIMIT;

    /** A user's newest coupons (id descending); complete when the user has no older ones. */
    public record Wallet(List<UserCoupon> newest, boolean complete) {}

    /**
     * The store of record for several users at once: each user's newest coupons, at most {@code limit},
     * id descending, read in one statement; a user without coupons may be absent from the map.
     */
    public interface BatchLoader {
        Map<Long, List<UserCoupon>> newest(List<Long> userIds, int limit);
    }

    /** How often a reader waiting for its wallet looks at the queue of cold wallets again. */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** A queued cold wallet: its user and the future its readers wait on (the one in the cache). */
    private record Pending(long userId, CompletableFuture<Wallet> wallet) {}

    private final AsyncCache<Long, Wallet> wallets;
    private final BatchLoader loader;
    private final int maxBatch;
    private final Semaphore loaderPermits;
    private final ConcurrentLinkedQueue<Pending> queued = new ConcurrentLinkedQueue<>();
    private final LongAdder batches = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder invalidations = new LongAdder();

    /**
     * Cold wallets read in batches of at most {@code maxBatch} users by at most {@code loaders} readers at
     * once (each holds a MySQL connection while it reads). {@code nanos}: the clock the TTL runs on
     * (System::nanoTime; a fake in tests).
     */
    public WalletCache(BatchLoader loader, int maxBatch, int loaders, Duration ttl, int maxWallets, LongSupplier nanos) {
        if (maxBatch < 1 || loaders < 1) {
            throw new IllegalArgumentException("maxBatch and loaders must be positive, were " + maxBatch + ", " + loaders);
        }
        this.loader = loader;
        this.maxBatch = maxBatch;
        this.loaderPermits = new Semaphore(loaders);
        // An in-flight future does not expire; the TTL runs from the load's completion.
        this.wallets = Caffeine.newBuilder().maximumSize(maxWallets).expireAfterWrite(ttl)
                .ticker(nanos::getAsLong).executor(Runnable::run).buildAsync();
    }

    public Wallet wallet(long userId) {
        CompletableFuture<Wallet> mine = new CompletableFuture<>();
        CompletableFuture<Wallet> present = wallets.asMap().putIfAbsent(userId, mine);
        if (present != null) {
            hits.increment();
            return await(present);
        }
        queued.add(new Pending(userId, mine));
        return await(mine);
    }

    /**
     * The wallet of {@code f}, loading queued wallets while it is not done and a loader's permit is free.
     * A reader stops loading once its own wallet is done (its answer does not wait for a crowd of others);
     * a user queued while every permit was taken is loaded by a holder still waiting for its own, or by
     * its own readers, who look at the queue again every {@link #RECHECK_NANOS} while they wait.
     */
    private Wallet await(CompletableFuture<Wallet> f) {
        while (true) {
            while (!f.isDone() && !queued.isEmpty() && loaderPermits.tryAcquire()) {
                try {
                    List<Pending> batch = new ArrayList<>();
                    for (Pending p; batch.size() < maxBatch && (p = queued.poll()) != null; ) {
                        batch.add(p);
                    }
                    if (!batch.isEmpty()) {
                        load(batch);
                    }
                } finally {
                    loaderPermits.release();
                }
            }
            try {
                return f.get(RECHECK_NANOS, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // still queued or loading: look at the queue again
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
            } catch (InterruptedException e) {
                // the user stays queued; whoever reads that wallet next loads it
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a wallet", e);
            }
        }
    }

    /**
     * Reads the batch's users in one statement and completes each pending read. A user queued twice (read,
     * invalidated, read again before a loader took the queue) is read once and both reads get that wallet.
     * When the statement fails, each user is read again alone, so one bad row fails only its own user's
     * reads, not the batch's.
     */
    private void load(List<Pending> batch) {
        loads.add(batch.size());
        batches.increment();
        Map<Long, List<Pending>> byUser = new LinkedHashMap<>();
        batch.forEach(p -> byUser.computeIfAbsent(p.userId(), u -> new ArrayList<>(1)).add(p));
        List<Long> users = new ArrayList<>(byUser.keySet());
        Map<Long, List<UserCoupon>> rows;
        try {
            rows = loader.newest(users, WINDOW + 1);
        } catch (RuntimeException | Error e) {
            if (e instanceof Error err) {
                byUser.values().forEach(ps -> ps.forEach(p -> p.wallet().completeExceptionally(err)));
                throw err;
            }
            if (users.size() == 1) {
                // A failed load is not kept (Caffeine drops a future completed exceptionally).
                byUser.values().forEach(ps -> ps.forEach(p -> p.wallet().completeExceptionally(e)));
                return;
            }
            for (Map.Entry<Long, List<Pending>> user : byUser.entrySet()) {
                loadAlone(user.getKey(), user.getValue());
            }
            return;
        }
        byUser.forEach((user, ps) -> {
            Wallet w = wallet(rows.getOrDefault(user, List.of()));
            ps.forEach(p -> p.wallet().complete(w));
        });
    }

    private void loadAlone(long user, List<Pending> reads) {
        try {
            Wallet w = wallet(loader.newest(List.of(user), WINDOW + 1).getOrDefault(user, List.of()));
            reads.forEach(p -> p.wallet().complete(w));
        } catch (RuntimeException e) {
            reads.forEach(p -> p.wallet().completeExceptionally(e));
        }
    }

    private static Wallet wallet(List<UserCoupon> rows) {
        boolean complete = rows.size() <= WINDOW;
        return new Wallet(List.copyOf(complete ? rows : rows.subList(0, WINDOW)), complete);
    }

    /**
     * A page of the user's coupons (id below {@code beforeId}, 0 = from the newest; of {@code status},
     * null = any; at most {@code size}) from the cached wallet; empty when the page reaches beyond the
     * coupons kept (the caller reads MySQL).
     */
    public Optional<List<UserCoupon>> page(long userId, UserCouponStatus status, long beforeId, int size) {
        return page(wallet(userId), status, beforeId, size);
    }

    /** The page logic on its own (pure). */
    static Optional<List<UserCoupon>> page(Wallet w, UserCouponStatus status, long beforeId, int size) {
        List<UserCoupon> out = new ArrayList<>(Math.min(size, w.newest().size()));
        for (UserCoupon c : w.newest()) {
            if ((beforeId > 0 && c.id() >= beforeId) || (status != null && c.status() != status)) {
                continue;
            }
            out.add(c);
            if (out.size() == size) {
                return Optional.of(out);
            }
        }
        return w.complete() ? Optional.of(out) : Optional.empty();
    }

    /** Users waiting for a loader (for tests and the curious). */
    int queuedUsers() {
        return queued.size();
    }

    /** Drops the user's wallet from this process (a row of theirs changed). */
    public void invalidate(long userId) {
        invalidations.increment();
        wallets.synchronous().invalidate(userId);
    }

    /**
     * coupon_cache_requests_total{cache="wallet",level="l1",result=hit|miss}, coupon_cache_size{cache="wallet"}
     * and coupon_cache_invalidations_total{cache="wallet"}, alongside the template and activity caches.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("coupon.cache.requests", hits, LongAdder::sum)
                .tags("cache", "wallet", "level", "l1", "result", "hit")
                .description("cache lookups by cache, level and result").register(registry);
        FunctionCounter.builder("coupon.cache.requests", loads, LongAdder::sum)
                .tags("cache", "wallet", "level", "l1", "result", "miss")
                .description("cache lookups by cache, level and result").register(registry);
        Gauge.builder("coupon.cache.size", wallets, w -> w.synchronous().estimatedSize()).tags("cache", "wallet", "level", "l1")
                .description("entries held (estimate)").register(registry);
        FunctionCounter.builder("coupon.wallet.load.batches", batches, LongAdder::sum)
                .description("MySQL statements that loaded cold wallets (misses / batches = users per statement)")
                .register(registry);
        FunctionCounter.builder("coupon.cache.invalidations", invalidations, LongAdder::sum).tags("cache", "wallet")
                .description("rows dropped from L2 and L1 by change data capture or a local write")
                .register(registry);
    }
}
