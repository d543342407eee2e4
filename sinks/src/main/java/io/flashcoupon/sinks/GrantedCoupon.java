package io.flashcoupon.sinks;

import java.time.Instant;

/**
 * A won coupon ready to become a user_coupons row (status UNUSED). {@code requestId} is the client's
 * idempotency key of the grab, null when it sent none.
 */
public record GrantedCoupon(
        String couponSn,
        long activityId,
        long templateId,
        long userId,
        int seq,
        long grantedAtMs,
        Instant validStart,
        Instant validEnd,
        String requestId) {}
