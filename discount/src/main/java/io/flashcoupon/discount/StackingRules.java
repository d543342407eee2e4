package io.flashcoupon.discount;

import io.flashcoupon.discount.DiscountException.Problem;
import java.util.EnumSet;
import java.util.Set;

/**
 * A template's stacking rules, as a merchant sets them (compare Shopify's discount combinations,
 * Magento's stop-rules processing, commercetools' stacking modes):
 *
 * <ul>
 *   <li>{@code exclusive}: the coupon is only ever applied alone.
 *   <li>{@code maxPerOrder}: at most this many coupons of template {@code templateId} on one order
 *       (default 1: five copies of "30 off 100" do not make a 100.00 order free). {@code templateId}
 *       0 means "no template" (engine tests): the limit then binds nothing.
 *   <li>{@code combinesWith}: the stacking classes this coupon may share an order with. Two coupons
 *       combine when each one's class is in the other's set (a class missing from its own set means
 *       two coupons of that class never combine). Default: every class.
 *   <li>{@code minPayableCents}: a floor on what the order still costs (goods + shipping) when the
 *       coupon is applied; the highest floor of the applied coupons wins and the coupons applied
 *       last give up what would cross it. Default 0.
 * </ul>
 * The class limits of {@link StackingClass} and the engine's max stack count apply on top.
 */
public record StackingRules(long templateId, boolean exclusive, int maxPerOrder, Set<StackingClass> combinesWith,
        long minPayableCents) {

    /** No template, not exclusive, combines with every class, no floor. */
    public static final StackingRules NONE = new StackingRules(0, false, 1, EnumSet.allOf(StackingClass.class), 0);

    public StackingRules {
        if (maxPerOrder < 1) {
            throw new DiscountException(Problem.INVALID_RULE, "max per order must be at least 1, was " + maxPerOrder);
        }
        if (minPayableCents < 0) {
            throw new DiscountException(Problem.INVALID_RULE, "min payable must not be negative, was " + minPayableCents);
        }
        EnumSet<StackingClass> classes = EnumSet.noneOf(StackingClass.class);
        if (combinesWith != null) {
            classes.addAll(combinesWith);
        }
        combinesWith = java.util.Collections.unmodifiableSet(classes);
    }

    /** The defaults of a template: once per order, combines with every class, no floor. */
    public static StackingRules ofTemplate(long templateId) {
        return new StackingRules(templateId, false, 1, EnumSet.allOf(StackingClass.class), 0);
    }

    public StackingRules withExclusive(boolean e) {
        return new StackingRules(templateId, e, maxPerOrder, combinesWith, minPayableCents);
    }

    public StackingRules withMaxPerOrder(int n) {
        return new StackingRules(templateId, exclusive, n, combinesWith, minPayableCents);
    }

    public StackingRules withCombinesWith(Set<StackingClass> classes) {
        return new StackingRules(templateId, exclusive, maxPerOrder, classes, minPayableCents);
    }

    public StackingRules withMinPayableCents(long cents) {
        return new StackingRules(templateId, exclusive, maxPerOrder, combinesWith, cents);
    }

    /** Canonical text of the rules (classes in declaration order). */
    String canonical() {
        StringBuilder sb = new StringBuilder().append(templateId).append('|').append(exclusive).append('|')
                .append(maxPerOrder).append('|').append(minPayableCents).append('|');
        for (StackingClass c : StackingClass.values()) {
            if (combinesWith.contains(c)) {
                sb.append(c.name().charAt(0));
            }
        }
        return sb.toString();
    }
}
