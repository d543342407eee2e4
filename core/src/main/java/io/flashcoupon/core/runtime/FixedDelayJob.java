package io.flashcoupon.core.runtime;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background pass run with a fixed delay between the end of one pass and the start of the next, so
 * a slow pass delays the next one and never overlaps it. An exception is logged and never cancels the
 * schedule. Close stops scheduling, interrupts a pass in progress and waits up to 5 s for it. The
 * scheduler is owned (shut down) by the job.
 */
public final class FixedDelayJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FixedDelayJob.class);

    private final String name;
    private final ScheduledExecutorService scheduler;
    private final Runnable pass;

    /** {@code name} names the pass in log lines ("reconciliation run", "fence check"). */
    public FixedDelayJob(String name, ScheduledExecutorService scheduler, Runnable pass) {
        this.name = name;
        this.scheduler = scheduler;
        this.pass = pass;
    }

    /** Runs the pass after {@code initialDelayMs}, then {@code intervalMs} after each pass ends. */
    public FixedDelayJob start(long initialDelayMs, long intervalMs) {
        scheduler.scheduleWithFixedDelay(this::runSafely, initialDelayMs, intervalMs, TimeUnit.MILLISECONDS);
        return this;
    }

    private void runSafely() {
        try {
            pass.run();
        } catch (RuntimeException e) {
            log.error("{} failed", name, e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("a {} did not stop within 5 s", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
