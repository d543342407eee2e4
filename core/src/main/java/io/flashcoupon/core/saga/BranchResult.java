package io.flashcoupon.core.saga;

import io.flashcoupon.core.wallet.UserCouponStatus;
import io.flashcoupon.discount.DiscountResult;

/**
 * The outcome of one Saga branch call. {@code status} is the coupon's state afterwards (null when
 * the coupon does not exist); {@code refusal} and {@code message} are set when REFUSED;
 * {@code discount} is the usage-log discount of an APPLIED UseLockedCoupon, or the coupon's
 * stand-alone discount on the order of an APPLIED LockUserCoupon that carried one.
 */
public record BranchResult(BranchEffect effect, UserCouponStatus status, Refusal refusal, String message,
        DiscountResult discount) {

    public boolean refused() {
        return effect == BranchEffect.REFUSED;
    }

    static BranchResult of(BranchEffect effect, UserCouponStatus status) {
        return new BranchResult(effect, status, null, null, null);
    }

    static BranchResult refused(Refusal refusal, UserCouponStatus status, String message) {
        return new BranchResult(BranchEffect.REFUSED, status, refusal, message, null);
    }
}
