package io.flashcoupon.topology.reconcile;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.reconcile.ReconcileMetrics;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.SaleFigures;
import io.flashcoupon.core.runtime.FixedDelayJob;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs reconciliation of every started, not cleaned-up sale (ACTIVE, PAUSED, ENDED) every interval.
 * A failure on one sale is logged and does not stop the others; a run never overlaps the next (fixed
 * delay). Several instances may run it at once (see
 * {@link io.flashcoupon.core.reconcile.ActivityReconciler}).
 *
 * <p>A full comparison reads the sale's whole ledger and users hash in one Redis script and all its
 * rows, so it costs O(grants) on the Redis thread: a sold-out sale of a million grants would block
 * Redis for about a second every interval, for as long as the sale stays live. So a sale whose
 * figures ({@link SaleFigures}: status, total, remaining, ledger size, rows) are exactly those of its
 * last complete run here is not compared again - nothing was granted, materialized, restocked or
 * changed in status since - until {@code settledRecheckMs} passed; then it is compared in full
 * again, which catches what the figures cannot show (a row edited in place). Such a skip counts as
 * {@code coupon_reconciliation_runs_total{result="unchanged"}}. On-demand runs (the admin API) go
 * straight to the reconciler and always compare in full.
 */
public final class ReconcileJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReconcileJob.class);

    /** A sale's last complete run here: its figures and when it ran (ms). */
    private record Settled(SaleFigures figures, long atMs) {}

    private final Supplier<List<Long>> activities;
    private final Reconciler reconciler;
    private final LongFunction<Optional<SaleFigures>> figures;
    private final ReconcileMetrics metrics;
    private final FixedDelayJob job;
    private final long intervalMs;
    private final long settledRecheckMs;
    private final LongSupplier clockMs;
    private final Map<Long, Settled> settled = new HashMap<>();

    /**
     * {@code activities} lists the sales to reconcile; {@code figures} reads a sale's figures (empty
     * when it is not in Redis); {@code scheduler} is owned (shut down) by the job.
     */
    public ReconcileJob(Supplier<List<Long>> activities, Reconciler reconciler,
            LongFunction<Optional<SaleFigures>> figures, ReconcileMetrics metrics, ScheduledExecutorService scheduler,
            long intervalMs, long settledRecheckMs, LongSupplier clockMs) {
        this.activities = activities;
        this.reconciler = reconciler;
        this.figures = figures;
        this.metrics = metrics;
        this.job = new FixedDelayJob("reconciliation run", scheduler, this::runOnce);
        this.intervalMs = intervalMs;
        this.settledRecheckMs = settledRecheckMs;
        this.clockMs = clockMs;
    }

    public ReconcileJob start() {
        job.start(intervalMs, intervalMs);
        return this;
    }

    /**
     * Reconciles every listed sale once, skipping the unchanged settled ones; returns how many were
     * compared in full. Called by one thread at a time (the scheduler's, or a test's).
     */
    public int runOnce() {
        int done = 0;
        List<Long> live = activities.get();
        settled.keySet().retainAll(live);
        for (long id : live) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            try {
                if (unchangedSinceComplete(id)) {
                    metrics.unchanged();
                    continue;
                }
                ReconciliationReport report = reconciler.reconcile(id);
                if (report.complete()) {
                    settled.put(id, new Settled(SaleFigures.of(report), clockMs.getAsLong()));
                } else {
                    settled.remove(id);
                }
                done++;
            } catch (ConflictException e) {
                // Started and not cleaned up, yet not in Redis: Redis lost the sale, or a cleanup was cut short.
                settled.remove(id);
                log.error("RECONCILIATION activity {} cannot be reconciled: {}", id, e.getMessage());
            } catch (RuntimeException e) {
                settled.remove(id);
                log.error("reconciliation of activity {} failed", id, e);
            }
        }
        return done;
    }

    private boolean unchangedSinceComplete(long id) {
        Settled last = settled.get(id);
        if (last == null || clockMs.getAsLong() - last.atMs() >= settledRecheckMs) {
            return false;
        }
        return figures.apply(id).map(last.figures()::equals).orElse(false);
    }

    /** Stops scheduling, interrupts a run in progress and waits up to 5 s for it. */
    @Override
    public void close() {
        job.close();
    }
}
