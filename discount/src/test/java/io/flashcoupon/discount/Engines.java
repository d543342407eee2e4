package io.flashcoupon.discount;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Engines for tests: their search budget is read from a fake ticker, never from the real clock. */
final class Engines {
    private Engines() {}

    /** A ticker that never moves: the search always finishes, whatever the machine's load. */
    static DiscountEngine untimed(int maxStack) {
        return new DiscountEngine(maxStack, Duration.ofMillis(1), () -> 0L);
    }

    /** A ticker that moves {@code stepNanos} at every reading: the budget runs out after a known amount of work. */
    static DiscountEngine ticking(int maxStack, Duration budget, long stepNanos) {
        AtomicLong now = new AtomicLong();
        return new DiscountEngine(maxStack, budget, () -> now.addAndGet(stepNanos));
    }
}
