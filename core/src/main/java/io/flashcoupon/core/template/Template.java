package io.flashcoupon.core.template;

import io.flashcoupon.discount.CouponRule;
import io.flashcoupon.discount.CouponType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A coupon template. Money in cents, percentages in basis points. Validity is either the absolute
 * window [validStart, validEnd) or validDays days from the moment a coupon is obtained.
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
        Instant updatedAt) {

    public Template {
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

    /** Coupon {@code couponId} of this template as the discount engine sees it, in the type's default stacking class. */
    public CouponRule couponRule(long couponId) {
        return new CouponRule(couponId, type, discountAmountCents, discountBps, minAmountCents, maxDiscountCents,
                Set.copyOf(applicableGoodsIds), Set.copyOf(applicableCategoryIds), Set.copyOf(excludedGoodsIds),
                Set.copyOf(excludedCategoryIds), null);
    }

    /** A half-open validity window. */
    public record Validity(Instant start, Instant end) {}
}
