package io.flashcoupon.core.sale;

import java.time.Clock;

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
    private long lastMs = -1;
    private long seq;

    public CouponSnGenerator(Clock clock, int nodeId) {
        if (nodeId < 0 || nodeId >= (1 << NODE_BITS)) {
            throw new IllegalArgumentException("node id must be 0..1023, was " + nodeId);
        }
        this.clock = clock;
        this.nodePart = (long) nodeId << SEQ_BITS;
    }

    public synchronized String next() {
        long now = clock.millis() - EPOCH_MS;
        if (now > lastMs) {
            lastMs = now;
            seq = 0;
        } else if (++seq > SEQ_MASK) {
            lastMs++;
            seq = 0;
        }
        long value = (lastMs << (NODE_BITS + SEQ_BITS)) | nodePart | seq;
        return pad19(value);
    }

    static String pad19(long value) {
        String digits = Long.toString(value);
        if (digits.length() == 19) {
            return digits;
        }
        return "0".repeat(19 - digits.length()) + digits;
    }
}
