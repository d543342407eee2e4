package io.flashcoupon.discount;

import io.flashcoupon.discount.DiscountException.Problem;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * One wallet coupon as the engine needs it: its id and its template's discount terms, independent
 * of repositories. Money in cents, percentages in basis points.
 *
 * <ul>
 *   <li>Scope: a line is eligible when its goods id is in {@code applicableGoodsIds} (empty = any)
 *       AND its category is in {@code applicableCategoryIds} (empty = any) AND neither its goods id
 *       nor its category is excluded. Exclusions win.
 *   <li>{@code minAmountCents} is a threshold on the coupon's eligible subtotal before any discount.
 *   <li>{@code maxDiscountCents} caps the discount of any type (the templates set it for PERCENT_OFF
 *       and FREE_SHIPPING); null = no cap.
 * </ul>
 */
public record CouponRule(
        long couponId,
        CouponType type,
        long discountAmountCents,
        int discountBps,
        long minAmountCents,
        Long maxDiscountCents,
        Set<Long> applicableGoodsIds,
        Set<Long> applicableCategoryIds,
        Set<Long> excludedGoodsIds,
        Set<Long> excludedCategoryIds,
        StackingClass stackingClass,
        StackingRules stacking) {

    /** Terms without template stacking rules ({@link StackingRules#NONE}). */
    public CouponRule(long couponId, CouponType type, long discountAmountCents, int discountBps, long minAmountCents,
            Long maxDiscountCents, Set<Long> applicableGoodsIds, Set<Long> applicableCategoryIds,
            Set<Long> excludedGoodsIds, Set<Long> excludedCategoryIds, StackingClass stackingClass) {
        this(couponId, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents, applicableGoodsIds,
                applicableCategoryIds, excludedGoodsIds, excludedCategoryIds, stackingClass, null);
    }

    public CouponRule {
        applicableGoodsIds = copy(applicableGoodsIds);
        applicableCategoryIds = copy(applicableCategoryIds);
        excludedGoodsIds = copy(excludedGoodsIds);
        excludedCategoryIds = copy(excludedCategoryIds);
        if (type == null) {
            throw invalid(couponId, "type must be set");
        }
        if (stackingClass == null) {
            stackingClass = StackingClass.defaultFor(type);
        }
        if (stacking == null) {
            stacking = StackingRules.NONE;
        }
        if (discountAmountCents < 0 || minAmountCents < 0 || (maxDiscountCents != null && maxDiscountCents < 0)) {
            throw invalid(couponId, "amounts must not be negative");
        }
        if (type == CouponType.FULL_CUT && discountAmountCents <= 0) {
            throw invalid(couponId, "FULL_CUT needs a positive discount_amount_cents");
        }
        if (type == CouponType.PERCENT_OFF && (discountBps <= 0 || discountBps > 10_000)) {
            throw invalid(couponId, "PERCENT_OFF needs discount_bps in 1..10000, was " + discountBps);
        }
    }

    /** FULL_CUT on every line: {@code amount} off once the goods subtotal reaches {@code min}. */
    public static CouponRule fullCut(long couponId, long amount, long min) {
        return new CouponRule(couponId, CouponType.FULL_CUT, amount, 0, min, null, null, null, null, null, null);
    }

    /** PERCENT_OFF on every line, optional cap. */
    public static CouponRule percentOff(long couponId, int bps, long min, Long cap) {
        return new CouponRule(couponId, CouponType.PERCENT_OFF, 0, bps, min, cap, null, null, null, null, null);
    }

    /** FREE_SHIPPING, optional cap, threshold on the goods subtotal. */
    public static CouponRule freeShipping(long couponId, long min, Long cap) {
        return new CouponRule(couponId, CouponType.FREE_SHIPPING, 0, 0, min, cap, null, null, null, null, null);
    }

    /** The same terms limited to these goods and categories (empty = any). */
    public CouponRule scopedTo(Collection<Long> goods, Collection<Long> categories) {
        return new CouponRule(couponId, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                Set.copyOf(goods), Set.copyOf(categories), excludedGoodsIds, excludedCategoryIds, stackingClass, stacking);
    }

    /** The same terms with these goods and categories excluded. */
    public CouponRule excluding(Collection<Long> goods, Collection<Long> categories) {
        return new CouponRule(couponId, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                applicableGoodsIds, applicableCategoryIds, Set.copyOf(goods), Set.copyOf(categories), stackingClass, stacking);
    }

    /** The same terms in another stacking class. */
    public CouponRule inClass(StackingClass c) {
        return new CouponRule(couponId, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                applicableGoodsIds, applicableCategoryIds, excludedGoodsIds, excludedCategoryIds, c, stacking);
    }

    /** The same terms under these stacking rules. */
    public CouponRule withStacking(StackingRules s) {
        return new CouponRule(couponId, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                applicableGoodsIds, applicableCategoryIds, excludedGoodsIds, excludedCategoryIds, stackingClass, s);
    }

    /** The same terms with another id (copies of one template). */
    public CouponRule withId(long id) {
        return new CouponRule(id, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                applicableGoodsIds, applicableCategoryIds, excludedGoodsIds, excludedCategoryIds, stackingClass, stacking);
    }

    /** Whether this coupon and {@code other} may be on one order together (exclusivity and combines-with). */
    public boolean combinesWith(CouponRule other) {
        return !stacking.exclusive() && !other.stacking.exclusive()
                && stacking.combinesWith().contains(other.stackingClass)
                && other.stacking.combinesWith().contains(stackingClass);
    }

    /** Whether the line is in this coupon's scope. */
    public boolean covers(OrderLine line) {
        return (applicableGoodsIds.isEmpty() || applicableGoodsIds.contains(line.goodsId()))
                && (applicableCategoryIds.isEmpty() || applicableCategoryIds.contains(line.categoryId()))
                && !excludedGoodsIds.contains(line.goodsId())
                && !excludedCategoryIds.contains(line.categoryId());
    }

    /** True for coupons that discount the shipping fee rather than goods. */
    public boolean discountsShipping() {
        return type == CouponType.FREE_SHIPPING;
    }

    /** Everything but the id: two coupons with equal terms are interchangeable on any order. */
    List<Object> terms() {
        return List.of(type, discountAmountCents, discountBps, minAmountCents,
                maxDiscountCents == null ? -1L : maxDiscountCents, applicableGoodsIds, applicableCategoryIds,
                excludedGoodsIds, excludedCategoryIds, stackingClass, stacking);
    }

    /** The terms as a canonical string (sets sorted): a total order on terms, used only to break ties. */
    String canonicalTerms() {
        return type + "|" + discountAmountCents + "|" + discountBps + "|" + minAmountCents + "|" + maxDiscountCents
                + "|" + sorted(applicableGoodsIds) + "|" + sorted(applicableCategoryIds) + "|"
                + sorted(excludedGoodsIds) + "|" + sorted(excludedCategoryIds) + "|" + stackingClass
                + "|" + stacking.canonical();
    }

    private static List<Long> sorted(Set<Long> ids) {
        return ids.stream().sorted().toList();
    }

    private static Set<Long> copy(Set<Long> ids) {
        return ids == null ? Set.of() : Set.copyOf(ids);
    }

    private static DiscountException invalid(long couponId, String what) {
        return new DiscountException(Problem.INVALID_RULE, "coupon " + couponId + ": " + what);
    }
}
