package io.flashcoupon.discount;

/**
 * A discount request the engine refuses: malformed order, malformed or unknown coupons, or a set of
 * coupons that may not be applied together. The message names the problem and the ids involved;
 * {@link #problem()} lets a caller map it to a status (all are INVALID_ARGUMENT except
 * {@link Problem#UNKNOWN_COUPON}, which is NOT_FOUND for a wallet lookup).
 *
 * <p>A coupon that merely saves nothing on this order (threshold not reached, no eligible goods) is
 * not an error: it is a {@link CouponDiscount} of 0 with its {@link Verdict}.
 */
public final class DiscountException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong. */
    public enum Problem {
        EMPTY_ORDER,
        NEGATIVE_AMOUNT,
        OVERFLOW,
        INVALID_RULE,
        DUPLICATE_COUPON,
        UNKNOWN_COUPON,
        TOO_MANY_COUPONS,
        NOT_COMBINABLE,
        INVALID_SETTING
    }

    private final Problem problem;

    public DiscountException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
