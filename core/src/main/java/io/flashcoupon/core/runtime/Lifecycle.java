package io.flashcoupon.core.runtime;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start and stop of one service process: every part that starts registers how to stop it
 * ({@link #onStop}), and a graceful stop runs those steps last-started first within a budget
 * (server.shutdown-timeout-ms), each on a thread of its own, so a part that ignores its share cannot
 * hold the process beyond it. Readiness ({@code /readyz}) is true from {@link #markReady} until the
 * stop begins. The drain report step logs what the drain left behind: grabs still in flight (the
 * ingress reports its count) and whether the materializer stopped with its offsets committed.
 */
public final class Lifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    /** What started, each with how to stop it; stopped last-started first. */
    private final Deque<Step> steps = new ArrayDeque<>();
    private final long budgetMs;
    private volatile boolean ready;
    private volatile boolean closed;
    private volatile IntSupplier grabsInFlight = () -> 0;
    private volatile boolean materializer;

    /** One part to stop: {@code stopper} gets the milliseconds left of the shutdown budget. */
    private record Step(String name, Stopper stopper) {}

    /** How one part stops, given the milliseconds left of the budget. */
    @FunctionalInterface
    public interface Stopper {
        void stop(long remainingMs) throws Exception;
    }

    /** {@code budgetMs} bounds {@link #close()} (server.shutdown-timeout-ms). */
    public Lifecycle(long budgetMs) {
        this.budgetMs = budgetMs;
    }

    /** Registers a part that has started: it is stopped before every part registered earlier. */
    public synchronized void onStop(String name, Stopper stopper) {
        steps.push(new Step(name, stopper));
    }

    /**
     * Registers the drain report here: it logs once every part registered after it has stopped (the
     * ingress and the materializer register later).
     */
    public void reportDrainHere() {
        onStop("drain report", remaining -> logDrained());
    }

    /** The ingress's grabs running or queued, for the shutdown's log lines. */
    public void countGrabsInFlight(IntSupplier inFlight) {
        this.grabsInFlight = inFlight;
    }

    /** The materializer runs in this process: the drain report says it stopped with its offsets committed. */
    public void materializerRuns() {
        this.materializer = true;
    }

    /** Ready from here until the stop begins ({@code /readyz}). */
    public void markReady() {
        ready = true;
    }

    public boolean ready() {
        return ready;
    }

    /** Whether the stop has begun (readiness then says "stopping", not "starting"). */
    public boolean stopping() {
        return closed;
    }

    /** A graceful stop within the budget given at construction; see {@link #shutdown(long)}. */
    @Override
    public void close() {
        shutdown(budgetMs);
    }

    /**
     * Stops every registered part, last-started first, within {@code budgetMs}: readiness ends at
     * once, each part gets what is left of the budget. True when everything stopped within it.
     * Idempotent.
     */
    public synchronized boolean shutdown(long budgetMs) {
        if (closed) {
            return true;
        }
        closed = true;
        ready = false;
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(budgetMs);
        log.info("shutdown: started (budget {} ms): readyz answers 503, {} grab(s) in flight", budgetMs,
                grabsInFlight.getAsInt());
        boolean inTime = true;
        while (!steps.isEmpty()) {
            Step step = steps.pop();
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            long s0 = System.nanoTime();
            if (!stopWithin(step, Math.max(0, remaining))) {
                inTime = false;
                log.warn("shutdown: {} did not stop within the {} ms left of the budget; going on without it",
                        step.name(), Math.max(0, remaining));
            }
            log.debug("shutdown: {} stopped in {} ms", step.name(), (System.nanoTime() - s0) / 1_000_000);
        }
        log.info("shutdown: complete in {} ms{}", (System.nanoTime() - t0) / 1_000_000,
                inTime ? "" : " (a part did not stop within the budget of " + budgetMs + " ms)");
        return inTime;
    }

    /** Logs what the drain left behind: grabs still running, whether the materializer's batch was written. */
    private void logDrained() {
        log.info("shutdown: drain finished: {} grab(s) still in flight, materializer {}", grabsInFlight.getAsInt(),
                materializer ? "stopped with its offsets committed" : "not running in this process");
    }

    /**
     * Runs one step on a thread of its own and waits for it at most {@code remainingMs} (plus a
     * moment for steps handed 0 ms), so a part that ignores its share (the embedded broker's own
     * shutdown takes 16-25 s) cannot hold the process beyond the budget; false when it overran.
     */
    private static boolean stopWithin(Step step, long remainingMs) {
        Thread t = new Thread(() -> {
            try {
                step.stopper().stop(remainingMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("shutdown: interrupted while stopping {}", step.name());
            } catch (Exception e) {
                log.warn("shutdown: error while stopping {}: {}", step.name(), e.toString());
            }
        }, "stop-" + step.name().split(" ")[0]);
        t.setDaemon(true);
        t.start();
        try {
            t.join(remainingMs + 50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }
}
