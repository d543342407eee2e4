package io.flashcoupon.core.sale;

/**
 * Where node-id leases and the high-water marks of their sns live: Redis in a service
 * ({@link RedisNodeLeaseStore}, scripts lua/node_*.lua), an in-memory copy in unit tests. Each call
 * is atomic. Times are Unix milliseconds.
 */
public interface NodeLeaseStore {

    /**
     * Claims {@code nodeId} for {@code owner} for {@code leaseMs} if it is free or already the owner's.
     * A claim moves the id's high-water mark to {@code start + aheadMs}, where start = max(nowMs,
     * high-water mark + 1) is the first millisecond the new holder may issue.
     */
    Claim claim(int nodeId, String owner, long leaseMs, long nowMs, long aheadMs);

    /**
     * Extends {@code owner}'s lease on {@code nodeId} by {@code leaseMs} and raises the high-water mark
     * to at least {@code ceilingMs}, only if {@code owner} still holds it.
     */
    Renewal renew(int nodeId, String owner, long leaseMs, long ceilingMs);

    /**
     * Ends {@code owner}'s lease on {@code nodeId} and stores {@code lastIssuedMs} as the high-water
     * mark, only if {@code owner} still holds it; false when it did not.
     */
    boolean release(int nodeId, String owner, long lastIssuedMs);

    /**
     * A claim's outcome: claimed, with the first millisecond to issue and the high-water mark stored;
     * or refused, with the holder's token and what is left of its lease (ms; -1 when it has no TTL).
     */
    record Claim(boolean claimed, long startMs, long ceilingMs, String holder, long holderTtlMs) {
        public static Claim granted(long startMs, long ceilingMs) {
            return new Claim(true, startMs, ceilingMs, null, 0);
        }

        public static Claim heldBy(String holder, long holderTtlMs) {
            return new Claim(false, 0, 0, holder, holderTtlMs);
        }
    }

    /**
     * A renewal's outcome: renewed, with the high-water mark now stored; or lost, with the current
     * holder's token (null when the lease expired and nobody holds it).
     */
    record Renewal(boolean renewed, long ceilingMs, String holder) {
        public static Renewal renewed(long ceilingMs) {
            return new Renewal(true, ceilingMs, null);
        }

        public static Renewal lost(String holder) {
            return new Renewal(false, 0, holder);
        }
    }
}
