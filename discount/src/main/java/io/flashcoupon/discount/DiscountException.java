package io.flashcoupon.discount;

/**
 * A discount request the engine refuses: malformed order, malformed coupons, or a set of
 * coupons that may not be applied together. The message names the problem and the ids involved;
 * {@link #problem()} says which it was. The service answers every one as the caller's mistake
 * (gRPC INVALID_ARGUMENT, HTTP 400, or a refused Saga branch).
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
