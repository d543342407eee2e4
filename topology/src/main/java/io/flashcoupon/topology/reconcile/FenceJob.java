package io.flashcoupon.topology.reconcile;

import io.flashcoupon.core.reconcile.SaleFence;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link SaleFence} check of every live sale at start and then every interval (fixed delay:
 * a heal in progress delays the next pass, never overlaps it). Several instances may run it at once.
 */
public final class FenceJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FenceJob.class);

    private final SaleFence fence;
    private final ScheduledExecutorService scheduler;
    private final long intervalMs;

    /** {@code scheduler} is owned (shut down) by the job. */
    public FenceJob(SaleFence fence, ScheduledExecutorService scheduler, long intervalMs) {
        this.fence = fence;
        this.scheduler = scheduler;
        this.intervalMs = intervalMs;
    }

    public FenceJob start() {
        scheduler.scheduleWithFixedDelay(this::runSafely, 0, intervalMs, TimeUnit.MILLISECONDS);
        return this;
    }

    private void runSafely() {
        try {
            fence.checkAll();
        } catch (RuntimeException e) {
            // Never let an exception cancel the schedule.
            log.error("fence check failed", e);
        }
    }

    /** Stops scheduling, interrupts a pass in progress and waits up to 5 s for it. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("a fence check did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
