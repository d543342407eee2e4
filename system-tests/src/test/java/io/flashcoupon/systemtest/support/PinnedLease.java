package io.flashcoupon.systemtest.support;

import io.flashcoupon.core.sale.NodeIdLease;
import io.flashcoupon.core.sale.NodeLeaseStore;
import java.time.Clock;

/**
 * A node-id lease that any number of generators get for the same id, for tests that must make one
 * coupon_sn twice (two processes with one node id, a clock stepped back) to show what the grab script
 * does then - the situation the Redis lease prevents in a service. Never renewed, valid for an hour.
 */
public final class PinnedLease {
    private static final long ONE_HOUR_MS = 3_600_000;

    private PinnedLease() {}

    /** A lease on {@code nodeId} whose sns start at {@code clock}'s now, whatever was issued before. */
    public static NodeIdLease of(Clock clock, int nodeId) {
        NodeLeaseStore granting = new NodeLeaseStore() {
            @Override
            public Claim claim(int id, String owner, long leaseMs, long nowMs, long aheadMs) {
                return Claim.granted(nowMs, nowMs + aheadMs);
            }

            @Override
            public Renewal renew(int id, String owner, long leaseMs, long ceilingMs) {
                return Renewal.renewed(ceilingMs);
            }

            @Override
            public boolean release(int id, String owner, long lastIssuedMs) {
                return true;
            }
        };
        try {
            return NodeIdLease.acquire(granting, nodeId, false, ONE_HOUR_MS, "pinned-" + nodeId, clock,
                    System::nanoTime, ms -> { });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
