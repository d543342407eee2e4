package io.flashcoupon.core.template;

import io.flashcoupon.discount.CouponRule;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.StackingClass;
import io.flashcoupon.discount.StackingRules;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A coupon template. Money in cents, percentages in basis points. Validity is either the absolute
 * window [validStart, validEnd) or validDays days from the moment a coupon is obtained.
 * {@code stacking} holds the merchant's stacking rules (docs/discounts.md); the 19-field
 * constructor gives the defaults.
 */
public record Template(
        long id,
        String name,
        CouponType type,
        long discountAmountCents,
        int discountBps,
        long minAmountCents,
        Long maxDiscountCents,
        int totalCount,
        int perUserLimit,
        Instant validStart,
        Instant validEnd,
        Integer validDays,
        List<Long> applicableGoodsIds,
        List<Long> applicableCategoryIds,
        List<Long> excludedGoodsIds,
        List<Long> excludedCategoryIds,
        TemplateStatus status,
        Instant createdAt,
        Instant updatedAt,
        Stacking stacking) {

    /** A template with the default stacking rules. */
    public Template(long id, String name, CouponType type, long discountAmountCents, int discountBps,
            long minAmountCents, Long maxDiscountCents, int totalCount, int perUserLimit, Instant validStart,
            Instant validEnd, Integer validDays, List<Long> applicableGoodsIds, List<Long> applicableCategoryIds,
            List<Long> excludedGoodsIds, List<Long> excludedCategoryIds, TemplateStatus status, Instant createdAt,
            Instant updatedAt) {
        this(id, name, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents, totalCount,
                perUserLimit, validStart, validEnd, validDays, applicableGoodsIds, applicableCategoryIds,
                excludedGoodsIds, excludedCategoryIds, status, createdAt, updatedAt, Stacking.DEFAULT);
    }

    /**
     * How coupons of this template stack: {@code exclusive} = applied alone; at most
     * {@code maxPerOrder} of them on one order; they combine only with coupons whose stacking class is
     * in {@code combinesWith} (and whose own set holds this template's class); the order still costs
     * at least {@code minPayableCents} when one is applied. TemplateRules validates them.
     */
    public record Stacking(boolean exclusive, int maxPerOrder, Set<StackingClass> combinesWith, long minPayableCents) {
        /** Not exclusive, once per order, combines with every class, no floor. */
        public static final Stacking DEFAULT = new Stacking(false, 1, EnumSet.allOf(StackingClass.class), 0);

        public Stacking {
            // declaration order, so JSON and proto list the classes the same way every time
            EnumSet<StackingClass> classes = EnumSet.noneOf(StackingClass.class);
            if (combinesWith != null) {
                classes.addAll(combinesWith);
            }
            combinesWith = java.util.Collections.unmodifiableSet(classes);
        }
    }

    public Template {
        if (stacking == null) {
            stacking = Stacking.DEFAULT;
        }
        applicableGoodsIds = applicableGoodsIds == null ? List.of() : List.copyOf(applicableGoodsIds);
        applicableCategoryIds = applicableCategoryIds == null ? List.of() : List.copyOf(applicableCategoryIds);
        excludedGoodsIds = excludedGoodsIds == null ? List.of() : List.copyOf(excludedGoodsIds);
        excludedCategoryIds = excludedCategoryIds == null ? List.of() : List.copyOf(excludedCategoryIds);
    }

    /** The validity window of a coupon of this template obtained at {@code obtainedAt}. */
    public Validity validityFor(Instant obtainedAt) {
        if (validDays != null) {
            return new Validity(obtainedAt, obtainedAt.plus(Duration.ofDays(validDays)));
        }
        return new Validity(validStart, validEnd);
    }

    /**
     * Coupon {@code couponId} of this template as the discount engine sees it: in the type's default
     * stacking class, under this template's stacking rules.
     */
    public CouponRule couponRule(long couponId) {
        return new CouponRule(couponId, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                Set.copyOf(applicableGoodsIds), Set.copyOf(applicableCategoryIds), Set.copyOf(excludedGoodsIds),
                Set.copyOf(excludedCategoryIds), null, new StackingRules(id, stacking.exclusive(),
                        stacking.maxPerOrder(), stacking.combinesWith(), stacking.minPayableCents()));
    }

    /** The same template with these stacking rules. */
    public Template withStacking(Stacking s) {
        return new Template(id, name, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                totalCount, perUserLimit, validStart, validEnd, validDays, applicableGoodsIds, applicableCategoryIds,
                excludedGoodsIds, excludedCategoryIds, status, createdAt, updatedAt, s);
    }

    /** A half-open validity window. */
    public record Validity(Instant start, Instant end) {}
}
