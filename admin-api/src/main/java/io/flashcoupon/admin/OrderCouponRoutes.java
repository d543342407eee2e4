package io.flashcoupon.admin;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.discount.BestCombination;
import io.flashcoupon.discount.DiscountException;
import io.flashcoupon.discount.Order;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * The wallet against an order, the REST twins of GetAvailableCouponsForOrder and CalculateDiscount:
 * POST /api/v1/users/{user_id}/coupons/available with {"items":[...],"shipping_fee_cents":N} and
 * POST /api/v1/users/{user_id}/coupons/calculate with {"coupon_ids":[...],"items":[...],...}.
 * Items are {"goods_id","category_id","quantity","unit_price_cents"}. A malformed order or a
 * combination the stacking rules forbid is 400; an unknown coupon is 404, one not the user's or not spendable 409.
 */
final class OrderCouponRoutes {
    private final OrderCoupons orders;
    private final ApiJson json;

    OrderCouponRoutes(OrderCoupons orders, ApiJson json) {
        this.orders = orders;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.post(WalletRoutes.PATH + "/available", this::available);
        routes.post(WalletRoutes.PATH + "/calculate", this::calculate);
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
    record OrderRequest(List<OrderItem> items, Long shippingFeeCents, List<Long> couponIds) {
        Order order() {
            if (items == null || items.isEmpty()) {
                throw new InvalidInputException("items", "must list the order lines");
            }
            List<FieldError> problems = OrderItem.problems(items);
            if (!problems.isEmpty()) {
                throw new InvalidInputException(problems.get(0).field(), problems.get(0).message());
            }
            if (shippingFeeCents != null && (shippingFeeCents < 0 || shippingFeeCents > OrderItem.MAX_SHIPPING_FEE_CENTS)) {
                throw new InvalidInputException("shipping_fee_cents", "must be between 0 and " + OrderItem.MAX_SHIPPING_FEE_CENTS);
            }
            return new Order(OrderItem.lines(items), shippingFeeCents == null ? 0 : shippingFeeCents);
        }
    }

    /** Every wallet coupon's verdict and the best combination (its ids and its full result). */
    record AvailableReply(List<OrderCoupons.Verdict> coupons, BestCombination best) {}
}
