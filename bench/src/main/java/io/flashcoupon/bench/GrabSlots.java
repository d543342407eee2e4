package io.flashcoupon.bench;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sale page's closed window of grabs: {@code size} calls in flight at most. Every slot taken is
 * given back exactly once when its call completes, whatever the completion's bookkeeping does (a
 * throwing recorder or follow-up cannot keep it), and the waits have a deadline, so a call that never
 * completes shows as a failed run with the window's state instead of a generator that waits forever.
 */
final class GrabSlots {
    /** One taken slot; {@link #complete} gives it back (once). */
    final class Slot {
        private final AtomicBoolean open = new AtomicBoolean(true);

        /**
         * The call's completion: {@code record} (latency, outcome) then {@code next} (retry, follow-up
         * reads or the shopper's end). The slot is back in the window before {@code next} runs and even
         * when {@code record} throws; whatever throws is counted ({@link #completionFailures}) and rethrown.
         */
        void complete(Runnable record, Runnable next) {
            try {
                record.run();
            } catch (RuntimeException | Error e) {
                completionFailures.incrementAndGet();
                throw e;
            } finally {
                release();
            }
            try {
                next.run();
            } catch (RuntimeException | Error e) {
                completionFailures.incrementAndGet();
                throw e;
            }
        }

        private void release() {
            if (open.compareAndSet(true, false)) {
                completed.incrementAndGet();
                window.release();
            } else {
                doubleCompletions.incrementAndGet();
            }
        }
    }

    private final int size;
    private final Semaphore window;
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong completionFailures = new AtomicLong();
    private final AtomicLong doubleCompletions = new AtomicLong();

    GrabSlots(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("a grab window needs at least one slot, got " + size);
        }
        this.size = size;
        this.window = new Semaphore(size);
    }

    /** A free slot, waiting until {@code deadlineNanos} (nanoTime) at most; null when none came back by then. */
    Slot take(long deadlineNanos) throws InterruptedException {
        if (!window.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return null;
        }
        taken.incrementAndGet();
        return new Slot();
    }

    /** Waits until every slot is back, until {@code deadlineNanos} at most; whether they all came back. */
    boolean drain(long deadlineNanos) throws InterruptedException {
        if (!window.tryAcquire(size, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return false;
        }
        window.release(size);
        return true;
    }

    int inFlight() {
        return size - window.availablePermits();
    }

    long completionFailures() {
        return completionFailures.get();
    }

    /** The window's state, for a progress line or a failed run's message. */
    String describe() {
        return "grab window " + inFlight() + "/" + size + " in flight, " + taken.get() + " taken, " + completed.get()
                + " completed, " + completionFailures.get() + " completions that threw, " + doubleCompletions.get()
                + " double completions";
    }
}
