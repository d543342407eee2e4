package io.flashcoupon.discount;

import java.util.List;

/**
 * What one coupon contributed to an order, in the order of application. {@code allocations} lists
 * the lines that carry a positive share of a goods coupon's discount (they sum to
 * {@code discountCents}); it is empty for a shipping coupon and for a coupon that saved nothing.
 */
public record CouponDiscount(long couponId, long discountCents, boolean shipping, Verdict verdict, String reason,
        List<LineAllocation> allocations) {

    public CouponDiscount {
        allocations = List.copyOf(allocations);
    }
}
