package io.flashcoupon.core.sale;

import java.time.Clock;

/**
 * Makes coupon serial numbers: 19 decimal digits of a 63-bit number built from milliseconds since
 * 2024-01-01 (41 bits), the node id (10 bits) and a per-millisecond counter (12 bits). Fixed width,
 * so string order is time order.
 *
 * <p>Never a repeat: the node id is this process's {@link NodeIdLease}, held by no other live process;
 * the first millisecond is above the id's stored high-water mark (so a restart, even with the clock
 * stepped back, continues above every sn issued under the id before); and no millisecond above the
 * mark is used before the mark has been moved past it. If the clock steps back during a run, the
 * generator keeps using its last millisecond (borrowing ahead, 4,096 sns per millisecond) rather than
 * repeating a number. While the lease is not held, {@link #next} throws
 * {@link SerialsUnavailableException}: nothing is issued.
 */
public final class CouponSnGenerator {
    static final long EPOCH_MS = 1_704_067_200_000L;
    private static final int NODE_BITS = 10;
    private static final int SEQ_BITS = 12;
    private static final long SEQ_MASK = (1L << SEQ_BITS) - 1;

    private final Clock clock;
    private final NodeIdLease lease;
    private final long nodePart;
    /** The millisecond (since EPOCH_MS) of the last sn, and its counter. */
    private long lastMs = -1;
    private long seq = SEQ_MASK;
    /** The lease term this generator last issued under: a new term (a claim back) may start higher. */
    private int generation = -1;
    private boolean stopped;

    /** The one generator of {@code lease} (a second is refused: it would repeat the first's sns). */
    public CouponSnGenerator(Clock clock, NodeIdLease lease) {
        this.clock = clock;
        this.lease = lease;
        this.nodePart = (long) lease.nodeId() << SEQ_BITS;
        lease.bind(this);
    }

    /** The node id in every sn this generator makes. */
    public int nodeId() {
        return lease.nodeId();
    }

    /** The next sn; throws {@link SerialsUnavailableException} while the lease is not held. */
    public synchronized String next() {
        NodeIdLease.Term term = stopped ? null : lease.current();
        if (term == null) {
            throw lease.unavailable(null);
        }
        if (term.generation() != generation) {
            generation = term.generation();
            long first = term.startMs() - EPOCH_MS;
            if (lastMs < first - 1) {
                lastMs = first - 1;
                seq = SEQ_MASK;
            }
        }
        long now = clock.millis() - EPOCH_MS;
        if (now > lastMs) {
            lastMs = now;
            seq = 0;
        } else if (++seq > SEQ_MASK) {
            lastMs++;
            seq = 0;
        }
        if (lastMs + EPOCH_MS > term.ceilingMs()) {
            // The clock jumped forward, or borrowing ahead reached the mark: move it first (rare).
            lease.reserve(lastMs + EPOCH_MS);
        }
        long value = (lastMs << (NODE_BITS + SEQ_BITS)) | nodePart | seq;
        return pad19(value);
    }

    /**
     * Issues nothing more (the lease is being released); returns the last millisecond used (Unix ms),
     * or Long.MIN_VALUE when none was.
     */
    synchronized long stopIssuing() {
        stopped = true;
        return lastMs < 0 ? Long.MIN_VALUE : lastMs + EPOCH_MS;
    }

    static String pad19(long value) {
        String digits = Long.toString(value);
        if (digits.length() == 19) {
            return digits;
        }
        return "0".repeat(19 - digits.length()) + digits;
    }
}
