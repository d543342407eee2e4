package io.flashcoupon.ingress;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * GetFlashSaleStatus for a crowd of pollers, in O(1) and without MySQL: the activity from the activity
 * cache; remaining and granted from ONE Redis call (snapshot.lua: HMGET of the sale hash and HLEN of
 * the ledger, atomic with the grabs), shared by every caller of this instance. Pollers never wait for
 * that call once a sale is warm: after {@code period} the next poll triggers one refresh on
 * {@code refresher} and is answered, like every poll during the refresh, from the figures in hand
 * (refresh-ahead). Only a cold sale, or figures older than twice the period (nobody polled in between),
 * are read while the callers wait, one load for all of them (Caffeine's per-key compute). So N pollers
 * cost one Redis read per period at most, and a Redis slowed by the grabs' fsyncs delays the refresh,
 * not the pollers (the read threads used to stall on the key for the round trip once per period).
 * A sale this instance knows sold out ({@link SoldOutFlags}) is answered without Redis: remaining 0,
 * granted = the activity's total (stock + ledger = total holds at every instant).
 * A failed Redis read is shared for the period too, and is never served past it: the pollers waiting
 * for it are answered UNAVAILABLE together instead of each retrying the read in turn (each up to the
 * Redis timeout), which would fill the read executor with status calls while Redis is down.
 *
 * <p>Staleness bound: figures are at most twice {@code period} plus one Redis round trip old (under
 * steady polling, {@code period} plus the refresh's round trip); the activity follows the activity
 * cache (binlog invalidation, at most activity-cache-ms). The materialized row count is not here: it
 * is an operator figure (admin status, from the sink's counter).
 */
public final class SaleStatusReads implements MeterBinder {
    /** A sale's figures as Redis held them; remaining null before the sale is in Redis. */
    public record Figures(Long remaining, long granted) {}

    /** One period's Redis read: its figures, or the failure every caller of the period gets. */
    private record Loaded(Figures figures, SaleStoreException failure) {}

    /** What the RPC answers: the activity and its figures. */
    public record View(Activity activity, Figures figures) {}

    private final LongFunction<Optional<Activity>> activities;
    private final LongFunction<SaleStore.SaleSnapshot> snapshots;
    private final SoldOutFlags soldOut;
    private final LoadingCache<Long, Loaded> figures;
    private final LongAdder loads = new LongAdder();
    private final LongAdder soldOutAnswers = new LongAdder();

    /** Refreshes run on the calling thread after it was answered (tests: deterministic). */
    public SaleStatusReads(LongFunction<Optional<Activity>> activities, LongFunction<SaleStore.SaleSnapshot> snapshots,
            SoldOutFlags soldOut, Duration period, LongSupplier nanos) {
        this(activities, snapshots, soldOut, period, nanos, Runnable::run);
    }

    /**
     * {@code activities}: the activity cache; {@code snapshots}: the one Redis call; {@code nanos}: the
     * clock the period is measured on (System::nanoTime, a fake in tests); {@code refresher}: where a
     * warm sale's refresh runs (one thread of its own in the service).
     */
    public SaleStatusReads(LongFunction<Optional<Activity>> activities, LongFunction<SaleStore.SaleSnapshot> snapshots,
            SoldOutFlags soldOut, Duration period, LongSupplier nanos, Executor refresher) {
        this.activities = activities;
        this.snapshots = snapshots;
        this.soldOut = soldOut;
        long periodNanos = Math.max(1, period.toNanos());
        this.figures = Caffeine.newBuilder().maximumSize(10_000)
                .refreshAfterWrite(Duration.ofNanos(periodNanos))
                .expireAfter(new Expiry<Long, Loaded>() {
                    @Override
                    public long expireAfterCreate(Long key, Loaded value, long currentTime) {
                        // a failure is shared for its period only; figures may be served one more
                        // period while their refresh runs
                        return value.failure() != null ? periodNanos : 2 * periodNanos;
                    }

                    @Override
                    public long expireAfterUpdate(Long key, Loaded value, long currentTime, long currentDuration) {
                        return expireAfterCreate(key, value, currentTime);
                    }

                    @Override
                    public long expireAfterRead(Long key, Loaded value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .executor(refresher).ticker(nanos::getAsLong).build(this::load);
    }

    /** The sale's status; NotFoundException for an activity that does not exist. */
    public View status(long activityId) {
        Activity a = activities.apply(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        if (soldOut.isSoldOut(activityId)) {
            soldOutAnswers.increment();
            return new View(a, new Figures(0L, a.totalCount()));
        }
        Loaded l = figures.get(activityId);
        if (l.failure() != null) {
            throw new SaleStoreException(l.failure().getMessage(), l.failure());
        }
        return new View(a, l.figures());
    }

    private Loaded load(Long activityId) {
        loads.increment();
        try {
            SaleStore.SaleSnapshot s = snapshots.apply(activityId);
            return new Loaded(new Figures(s.exists() ? s.remaining() : null, s.ledgerSize()), null);
        } catch (SaleStoreException e) {
            return new Loaded(null, e);
        }
    }

    /** Redis reads made so far (one per sale and period at most, whatever the number of callers). */
    public long loads() {
        return loads.sum();
    }

    /**
     * coupon_status_reads_total{source="redis|sold_out_flag"}: status figures read from Redis, and status
     * calls answered from this instance's sold-out flag (cache hits are the difference to the RPC count).
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        String help = "GetFlashSaleStatus figures read from Redis (source=redis) or answered from this instance's"
                + " sold-out flag (source=sold_out_flag)";
        FunctionCounter.builder("coupon.status.reads", loads, LongAdder::sum).tag("source", "redis")
                .description(help).register(registry);
        FunctionCounter.builder("coupon.status.reads", soldOutAnswers, LongAdder::sum).tag("source", "sold_out_flag")
                .description(help).register(registry);
    }
}
