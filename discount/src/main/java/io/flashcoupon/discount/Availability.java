package io.flashcoupon.discount;

/**
 * Whether one wallet coupon fits an order on its own, and what it would save alone. The engine
 * decides APPLIED / THRESHOLD_NOT_REACHED / NO_ELIGIBLE_GOODS / NOTHING_TO_DISCOUNT; reasons decided
 * elsewhere (expired, locked) come in through {@link #unusable(long, String)}.
 */
public record Availability(long couponId, boolean usable, long discountCents, Verdict verdict, String reason) {

    /** A coupon ruled out before the engine saw it; {@code reason} is shown as given. */
    public static Availability unusable(long couponId, String reason) {
        return new Availability(couponId, false, 0, Verdict.UNAVAILABLE, reason);
    }
}
