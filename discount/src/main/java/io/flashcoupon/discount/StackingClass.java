package io.flashcoupon.discount;


/**
 * Which coupons may be applied together. Every class combines with every other class; a class
 * limits how many of its coupons one order may carry, and all classes together are limited by the
 * engine's max stack count (default 5):
 *
 * <pre>
 *   class     default for    per order
 *   AMOUNT    FULL_CUT       up to the max stack count
 *   PERCENT   PERCENT_OFF    at most 1
 *   SHIPPING  FREE_SHIPPING  at most 1
 * </pre>
 *
 * Templates add their own rules on top ({@link StackingRules}: exclusive, per-template limit,
 * combines-with, floor).
 */
public enum StackingClass {
    AMOUNT(Integer.MAX_VALUE),
    PERCENT(1),
    SHIPPING(1);

    private final int perOrder;

    StackingClass(int perOrder) {
        this.perOrder = perOrder;
    }

    /** How many coupons of this class one order may carry, given the max stack count. */
    public int limit(int maxStackCount) {
        return Math.min(perOrder, maxStackCount);
    }

    /** The class a template of this type belongs to. */
    public static StackingClass defaultFor(CouponType type) {
        return switch (type) {
            case FULL_CUT -> AMOUNT;
            case PERCENT_OFF -> PERCENT;
            case FREE_SHIPPING -> SHIPPING;
        };
    }
}
