package io.flashcoupon.admin;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.discount.BestCombination;
import io.flashcoupon.core.discount.DiscountException;
import io.flashcoupon.core.discount.Order;
import io.flashcoupon.core.discount.OrderLine;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * The wallet against an order, the REST twins of GetAvailableCouponsForOrder and CalculateDiscount:
 * POST /api/v1/users/{user_id}/coupons/available with {"items":[...],"shipping_fee_cents":N} and
 * POST /api/v1/users/{user_id}/coupons/calculate with {"coupon_ids":[...],"items":[...],...}.
 * Items are {"goods_id","category_id","quantity","unit_price_cents"}. A malformed order or a
 * combination the stacking rules forbid is 400; a coupon not the user's or not spendable is 409.
 */
final class OrderCouponRoutes {
    private final OrderCoupons orders;
    private final ApiJson json;

    OrderCouponRoutes(OrderCoupons orders, ApiJson json) {
        this.orders = orders;
        this.json = json;
    }

    void register(Javalin app) {
        app.post(WalletRoutes.PATH + "/available", this::available);
        app.post(WalletRoutes.PATH + "/calculate", this::calculate);
    }

    void available(Context ctx) {
        long userId = Params.positiveId("user_id", ctx.pathParam("user_id"));
        OrderRequest r = json.read(ctx.body(), OrderRequest.class);
        try {
            OrderCoupons.Available a = orders.available(userId, r.order());
            ctx.json(new AvailableReply(a.coupons(), a.best()));
        } catch (DiscountException e) {
            throw new InvalidInputException("items", e.getMessage());
        }
    }

    void calculate(Context ctx) {
        long userId = Params.positiveId("user_id", ctx.pathParam("user_id"));
        OrderRequest r = json.read(ctx.body(), OrderRequest.class);
        try {
            ctx.json(orders.calculate(userId, r.couponIds() == null ? List.of() : r.couponIds(), r.order()));
        } catch (DiscountException e) {
            throw new InvalidInputException("coupon_ids", e.getMessage());
        }
    }

    /** An order (and, for calculate, the coupons to apply). */
    record OrderRequest(List<Item> items, Long shippingFeeCents, List<Long> couponIds) {
        Order order() {
            if (items == null || items.isEmpty()) {
                throw new InvalidInputException("items", "must list the order lines");
            }
            List<OrderLine> lines = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                if (it == null || it.goodsId() == null || it.categoryId() == null || it.quantity() == null
                        || it.unitPriceCents() == null) {
                    throw new InvalidInputException("items[" + i + "]",
                            "needs goods_id, category_id, quantity and unit_price_cents");
                }
                lines.add(new OrderLine(it.goodsId(), it.categoryId(), it.quantity(), it.unitPriceCents()));
            }
            return new Order(lines, shippingFeeCents == null ? 0 : shippingFeeCents);
        }
    }

    /** One order line. */
    record Item(Long goodsId, Long categoryId, Integer quantity, Long unitPriceCents) {}

    /** Every wallet coupon's verdict and the best combination (its ids and its full result). */
    record AvailableReply(List<OrderCoupons.Verdict> coupons, BestCombination best) {}
}
