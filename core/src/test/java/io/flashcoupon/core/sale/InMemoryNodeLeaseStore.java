package io.flashcoupon.core.sale;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The node-lease scripts (lua/node_*.lua) over two maps, on a clock the test moves ({@link #advance}):
 * "Redis time", which also drives the leases' monotonic clock. {@link #failing} makes every call
 * throw, as an unreachable Redis does. RedisNodeLeaseStoreIT runs the same rules against the scripts.
 */
final class InMemoryNodeLeaseStore implements NodeLeaseStore {
    private record Lease(String owner, long expiresAtMs) {}

    private final Map<Integer, Lease> leases = new HashMap<>();
    private final Map<Integer, Long> marks = new HashMap<>();
    long nowMs = 1_000_000;
    boolean failing;

    /** Moves Redis time (and the leases' monotonic clock) on by {@code ms}. */
    void advance(long ms) {
        nowMs += ms;
    }

    /** The leases' monotonic clock: Redis time in nanoseconds. */
    long nanoTime() {
        return nowMs * 1_000_000;
    }

    long mark(int nodeId) {
        return marks.getOrDefault(nodeId, 0L);
    }

    String holder(int nodeId) {
        Lease l = live(nodeId);
        return l == null ? null : l.owner();
    }

    /** Acquires {@code nodeId} as {@code owner} with {@code policy}; a refusal's wait moves Redis time on. */
    NodeIdLease acquire(int nodeId, boolean nextFree, long leaseMs, String owner, Clock wall)
            throws InterruptedException {
        return NodeIdLease.acquire(this, nodeId, nextFree, leaseMs, owner, wall, this::nanoTime, this::advance);
    }

    @Override
    public synchronized Claim claim(int nodeId, String owner, long leaseMs, long nowMsOfCaller, long aheadMs) {
        fail();
        Lease l = live(nodeId);
        if (l != null && !l.owner().equals(owner)) {
            return Claim.heldBy(l.owner(), l.expiresAtMs() - nowMs);
        }
        leases.put(nodeId, new Lease(owner, nowMs + leaseMs));
        long start = Math.max(nowMsOfCaller, mark(nodeId) + 1);
        long ceiling = start + aheadMs;
        marks.put(nodeId, ceiling);
        return Claim.granted(start, ceiling);
    }

    @Override
    public synchronized Renewal renew(int nodeId, String owner, long leaseMs, long ceilingMs) {
        fail();
        Lease l = live(nodeId);
        if (l == null || !l.owner().equals(owner)) {
            return Renewal.lost(l == null ? null : l.owner());
        }
        leases.put(nodeId, new Lease(owner, nowMs + leaseMs));
        marks.put(nodeId, Math.max(mark(nodeId), ceilingMs));
        return Renewal.renewed(mark(nodeId));
    }

    @Override
    public synchronized boolean release(int nodeId, String owner, long lastIssuedMs) {
        fail();
        Lease l = live(nodeId);
        if (l == null || !l.owner().equals(owner)) {
            return false;
        }
        leases.remove(nodeId);
        marks.put(nodeId, lastIssuedMs);
        return true;
    }

    private Lease live(int nodeId) {
        Lease l = leases.get(nodeId);
        if (l != null && l.expiresAtMs() <= nowMs) {
            leases.remove(nodeId);
            return null;
        }
        return l;
    }

    private void fail() {
        if (failing) {
            throw new SaleStoreException("Redis did not answer within 3000 ms", null);
        }
    }

    /** A lease on {@code nodeId} that stays fresh for ten minutes of real time (benchmarks, generator tests). */
    static NodeIdLease longLease(int nodeId, Clock wall) {
        try {
            return NodeIdLease.acquire(new InMemoryNodeLeaseStore(), nodeId, false, 600_000, "test-" + nodeId, wall,
                    System::nanoTime, ms -> { });
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
