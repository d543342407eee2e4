package io.flashcoupon.core.reconcile;

import java.time.Instant;

/**
 * A grant the user_coupons sink did not write because the table already holds another row in its
 * way: under its (activity, user, seq) with another coupon_sn ({@link #seqTaken()}), or under its
 * coupon_sn with another owner or seq ({@link #snTaken()}). The shopper was answered GRANTED for
 * {@code couponSn} and holds no row for it. Open until an operator records a resolution.
 *
 * @param existingCouponSn the coupon_sn of the row in the way; equal to couponSn when the serial itself is taken
 */
public record GrantConflict(String couponSn, String existingCouponSn, long activityId, long userId, int seq,
        Instant detectedAt, Instant resolvedAt, String resolution) {

    /** A conflict just met, not resolved. */
    public static GrantConflict detected(String couponSn, String existingCouponSn, long activityId, long userId,
            int seq, Instant at) {
        return new GrantConflict(couponSn, existingCouponSn, activityId, userId, seq, at, null, null);
    }

    /** Another coupon_sn holds the grant's (activity, user, seq). */
    public boolean seqTaken() {
        return !snTaken();
    }

    /** The grant's coupon_sn is another grant's row (another owner, seq or activity). */
    public boolean snTaken() {
        return couponSn.equals(existingCouponSn);
    }

    public boolean open() {
        return resolvedAt == null;
    }

    /** The grant's identity: a redelivered message makes the same key. */
    public Key key() {
        return new Key(couponSn, activityId, userId, seq);
    }

    /** One line for logs and replies: what was not written and what is in its way. */
    public String describe() {
        return snTaken()
                ? "coupon " + couponSn + " (activity " + activityId + ", user " + userId + ", seq " + seq
                        + ") not written: its coupon_sn is the row of another grant"
                : "coupon " + couponSn + " (activity " + activityId + ", user " + userId + ", seq " + seq
                        + ") not written: row " + existingCouponSn + " holds that activity, user and seq";
    }

    /** The unique key of grant_conflicts. */
    public record Key(String couponSn, long activityId, long userId, int seq) {}
}
