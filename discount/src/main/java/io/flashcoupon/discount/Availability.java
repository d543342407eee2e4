package io.flashcoupon.discount;

/**
 * Whether one wallet coupon fits an order on its own, and what it would save alone. The engine
 * decides APPLIED / THRESHOLD_NOT_REACHED / NO_ELIGIBLE_GOODS / NOTHING_TO_DISCOUNT; coupons ruled out
 * before the engine (expired, locked) are the caller's to report.
 */
public record Availability(long couponId, boolean usable, long discountCents, Verdict verdict, String reason) {}
