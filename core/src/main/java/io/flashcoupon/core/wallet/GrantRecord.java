package io.flashcoupon.core.wallet;

/**
 * A flash-sale user_coupons row as a heal re-applies it to the sale's Redis ledger; {@code id} is the
 * row's key, {@code requestId} the client request id the grant answered (null when none).
 */
public record GrantRecord(long id, String couponSn, long userId, int seq, long grantedAtMs, String requestId) {}
