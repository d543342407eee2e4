package io.flashcoupon.discount;

import java.util.List;

/**
 * The outcome of applying a set of coupons to an order. {@code lines} has one entry per order line
 * (line index order) with the goods discount it carries; they sum to {@code goodsDiscountCents}.
 * The shipping discount is reported on its own and never allocated to lines.
 * {@code discountCents = goodsDiscountCents + shippingDiscountCents} and
 * {@code finalCents = originalCents - discountCents >= 0}.
 */
public record DiscountResult(
        long originalCents,
        long goodsCents,
        long shippingFeeCents,
        long discountCents,
        long goodsDiscountCents,
        long shippingDiscountCents,
        long finalCents,
        List<CouponDiscount> coupons,
        List<LineAllocation> lines) {

    public DiscountResult {
        coupons = List.copyOf(coupons);
        lines = List.copyOf(lines);
    }
}
