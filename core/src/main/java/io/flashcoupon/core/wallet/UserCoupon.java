package io.flashcoupon.core.wallet;

import java.time.Instant;

/**
 * A coupon a user holds (one user_coupons row); lockDeadline is set while LOCKED. {@code templateVersion}
 * is the version of the template's terms it was granted with, by which it is always priced.
 */
public record UserCoupon(
        long id,
        String couponSn,
        long templateId,
        int templateVersion,
        Long activityId,
        int seq,
        long userId,
        UserCouponStatus status,
        Instant obtainedAt,
        long grantedAtMs,
        Instant validStart,
        Instant validEnd,
        String orderSn,
        Instant usedAt,
        Instant lockDeadline) {}
