package io.flashcoupon.core.sale;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes coupon serial numbers: 19 decimal digits of a 63-bit number built from milliseconds since
 * 2024-01-01 (41 bits), the instance's node id (10 bits) and a per-millisecond counter (12 bits).
 * Fixed width, so string order is time order; collision-free across instances as long as node ids
 * are unique. If the clock steps back, the generator keeps using its last millisecond (borrowing
 * ahead) rather than repeating a number.
 */
public final class CouponSnGenerator {
    static final long EPOCH_MS = 1_704_067_200_000L;
    private static final int NODE_BITS = 10;
    private static final int SEQ_BITS = 12;
    private static final long SEQ_MASK = (1L << SEQ_BITS) - 1;

    private final Clock clock;
    private final long nodePart;
    /**
     * The last serial handed out as one tick: milliseconds since the epoch above shifted by SEQ_BITS,
     * plus the counter. Taking the next tick is one compare-and-set; a counter overflow carries into the
     * milliseconds, which is the borrowing ahead described above.
     */
    private final AtomicLong lastTick = new AtomicLong();

    public CouponSnGenerator(Clock clock, int nodeId) {
        if (nodeId < 0 || nodeId >= (1 << NODE_BITS)) {
            throw new IllegalArgumentException("node id must be 0..1023, was " + nodeId);
        }
        this.clock = clock;
        this.nodePart = (long) nodeId << SEQ_BITS;
    }

    /**
     * The next serial. Lock-free (CouponSnBenchmark, 4 threads on 2 cores: ~3x the throughput of the
     * synchronized version it replaced) and one char[] + String per call (pad19).
     */
    public String next() {
        long tick;
        while (true) {
            long prev = lastTick.get();
            long now = (clock.millis() - EPOCH_MS) << SEQ_BITS;
            tick = now > prev ? now : prev + 1;
            if (lastTick.compareAndSet(prev, tick)) {
                break;
            }
        }
        long value = ((tick >>> SEQ_BITS) << (NODE_BITS + SEQ_BITS)) | nodePart | (tick & SEQ_MASK);
        return pad19(value);
    }

    /** {@code value} (non-negative) as exactly 19 decimal digits, zero-padded; written straight into one buffer. */
    static String pad19(long value) {
        char[] digits = new char[19];
        long v = value;
        for (int i = 18; i >= 0; i--) {
            digits[i] = (char) ('0' + (int) (v % 10));
            v /= 10;
        }
        return new String(digits);
    }
}
