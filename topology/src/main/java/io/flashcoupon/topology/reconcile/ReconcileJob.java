package io.flashcoupon.topology.reconcile;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.reconcile.Reconciler;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs reconciliation of every started, not cleaned-up sale (ACTIVE, PAUSED, ENDED) every interval.
 * A failure on one sale is logged and does not stop the others; a run never overlaps the next (fixed
 * delay). Several instances may run it at once (see {@link ActivityReconciler}).
 */
public final class ReconcileJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReconcileJob.class);

    private final Supplier<List<Long>> activities;
    private final Reconciler reconciler;
    private final ScheduledExecutorService scheduler;
    private final long intervalMs;

    /** {@code activities} lists the sales to reconcile; {@code scheduler} is owned (shut down) by the job. */
    public ReconcileJob(Supplier<List<Long>> activities, Reconciler reconciler, ScheduledExecutorService scheduler,
            long intervalMs) {
        this.activities = activities;
        this.reconciler = reconciler;
        this.scheduler = scheduler;
        this.intervalMs = intervalMs;
    }

    public ReconcileJob start() {
        scheduler.scheduleWithFixedDelay(this::runSafely, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        return this;
    }

    private void runSafely() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // Never let an exception cancel the schedule.
            log.error("reconciliation run failed", e);
        }
    }

    /** Reconciles every listed sale once; returns how many were reconciled. */
    public int runOnce() {
        int done = 0;
        for (long id : activities.get()) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            try {
                reconciler.reconcile(id);
                done++;
            } catch (ConflictException e) {
                // Started and not cleaned up, yet not in Redis: Redis lost the sale, or a cleanup was cut short.
                log.error("RECONCILIATION activity {} cannot be reconciled: {}", id, e.getMessage());
            } catch (RuntimeException e) {
                log.error("reconciliation of activity {} failed", id, e);
            }
        }
        return done;
    }

    /** Stops scheduling, interrupts a run in progress and waits up to 5 s for it. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("a reconciliation run did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
