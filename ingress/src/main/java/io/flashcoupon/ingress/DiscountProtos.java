package io.flashcoupon.ingress;

import io.flashcoupon.discount.DiscountResult;
import io.flashcoupon.discount.LineAllocation;
import io.flashcoupon.discount.OrderLine;
import io.flashcoupon.proto.v1.CouponDiscount;
import io.flashcoupon.proto.v1.DiscountResponse;
import io.flashcoupon.proto.v1.OrderItem;
import java.util.List;

/** Discount results and order lines between the engine's records and the wire. */
public final class DiscountProtos {
    private DiscountProtos() {}

    public static DiscountResponse response(DiscountResult r) {
        DiscountResponse.Builder b = DiscountResponse.newBuilder()
                .setOriginalCents(r.originalCents())
                .setDiscountCents(r.discountCents())
                .setFinalCents(r.finalCents())
                .setGoodsDiscountCents(r.goodsDiscountCents())
                .setShippingDiscountCents(r.shippingDiscountCents());
        for (io.flashcoupon.discount.CouponDiscount c : r.coupons()) {
            b.addCouponDiscounts(CouponDiscount.newBuilder()
                    .setCouponId(c.couponId())
                    .setDiscountCents(c.discountCents())
                    .setReason(c.reason() == null ? "" : c.reason()));
        }
        for (LineAllocation l : r.lines()) {
            b.addAllocations(io.flashcoupon.proto.v1.LineAllocation.newBuilder()
                    .setLineIndex(l.lineIndex())
                    .setDiscountCents(l.discountCents()));
        }
        return b.build();
    }

    public static List<OrderLine> lines(List<OrderItem> items) {
        return items.stream()
                .map(i -> new OrderLine(i.getGoodsId(), i.getCategoryId(), i.getQuantity(), i.getUnitPriceCents()))
                .toList();
    }
}
