package io.flashcoupon.topology.reconcile;

import io.flashcoupon.proto.v1.CouponGrabbed;

/**
 * Commits a grant's CouponGrabbed event again, only if the grant is in the ledger (the ingress's
 * transactional producer does it: {@code GrantLedger.republish}). True when committed now.
 */
@FunctionalInterface
public interface Republisher {
    boolean republish(CouponGrabbed grabbed) throws Exception;
}
