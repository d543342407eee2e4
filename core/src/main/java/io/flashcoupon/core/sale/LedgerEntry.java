package io.flashcoupon.core.sale;

import java.util.Optional;

/**
 * One grant as the sale's Redis ledger records it: field coupon_sn, value "userId:seq:grantedAtMs"
 * (written by lua/grab.lua). The ledger is the truth a CouponGrabbed event and a user_coupons row
 * follow from.
 */
public record LedgerEntry(String couponSn, long userId, int seq, long grantedAtMs) {

    /** Reads a ledger field and value; empty when the value is not in the grab script's format. */
    public static Optional<LedgerEntry> parse(String couponSn, String value) {
        if (couponSn == null || couponSn.isEmpty() || value == null) {
            return Optional.empty();
        }
        String[] parts = value.split(":", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            long user = Long.parseLong(parts[0]);
            int seq = Integer.parseInt(parts[1]);
            long at = Long.parseLong(parts[2]);
            return seq >= 1 ? Optional.of(new LedgerEntry(couponSn, user, seq, at)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
