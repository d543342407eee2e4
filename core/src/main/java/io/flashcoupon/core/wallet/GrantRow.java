package io.flashcoupon.core.wallet;

/** The identity of a flash-sale user_coupons row, as reconciliation compares it with the ledger. */
public record GrantRow(String couponSn, long activityId, long userId, int seq) {}
