package io.flashcoupon.topology.reconcile;

import io.flashcoupon.core.reconcile.SaleFence;
import io.flashcoupon.core.runtime.FixedDelayJob;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs the {@link SaleFence} check of every live sale at start and then every interval (fixed delay:
 * a heal in progress delays the next pass, never overlaps it). Several instances may run it at once.
 */
public final class FenceJob implements AutoCloseable {
    private final FixedDelayJob job;
    private final long intervalMs;

    /** {@code scheduler} is owned (shut down) by the job. */
    public FenceJob(SaleFence fence, ScheduledExecutorService scheduler, long intervalMs) {
        this.job = new FixedDelayJob("fence check", scheduler, fence::checkAll);
        this.intervalMs = intervalMs;
    }

    public FenceJob start() {
        job.start(0, intervalMs);
        return this;
    }

    /** Stops scheduling, interrupts a pass in progress and waits up to 5 s for it. */
    @Override
    public void close() {
        job.close();
    }
}
