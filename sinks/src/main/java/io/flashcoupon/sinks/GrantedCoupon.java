package io.flashcoupon.sinks;

import java.time.Instant;

/**
 * A won coupon ready to become a user_coupons row (status UNUSED). {@code templateVersion} is the
 * version of the template's terms its sale sells (pinned at the sale's start): the terms it keeps.
 * {@code requestId} is the client's idempotency key of the grab, null when it sent none.
 */
public record GrantedCoupon(
        String couponSn,
        long activityId,
        long templateId,
        int templateVersion,
        long userId,
        int seq,
        long grantedAtMs,
        Instant validStart,
        Instant validEnd,
        String requestId) {}
