package io.flashcoupon.admin;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.saga.BranchContext;
import io.flashcoupon.core.saga.BranchResult;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.wallet.UserCouponStatus;
import io.flashcoupon.discount.DiscountResult;
import io.flashcoupon.discount.OrderLine;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Saga branches in DTM's HTTP mode, under /api/v1/dtm/: lock, unlock (its compensation), use,
 * revert (its compensation). DTM POSTs the step's payload with query parameters gid, trans_type,
 * branch_id and op. DTM's result contract: 200 = SUCCESS; 409 = FAILURE (the Saga rolls back),
 * with {"dtm_result":"FAILURE","error":"<refusal>","message":"..."}; anything else (500 on a
 * database failure) = retry later. An action whose body or DTM parameters cannot be read is a
 * FAILURE too (409 with error invalid_argument), since retrying it cannot help. A compensation never
 * answers FAILURE - DTM retries a failed compensation for ever - so an unreadable one is SUCCESS with
 * effect UNREADABLE ({@link CouponBranches#unreadableCompensation}). A request without DTM's
 * parameters is not a DTM call: 400. Only DTM, holding the Saga's credential for the call's gid, gets
 * here ({@link AdminAuth}; a call without a gid is refused 401 there).
 */
final class DtmBranchRoutes {
    static final String PREFIX = "/api/v1/dtm";

    private final CouponBranches branches;
    private final ApiJson json;

    DtmBranchRoutes(CouponBranches branches, ApiJson json) {
        this.branches = branches;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.post(PREFIX + "/lock", ctx -> run(ctx, "lock", false,
                (b, r) -> branches.lock(b, r.userId, r.couponId, r.orderSn, r.lines(), r.shippingFeeCents())));
        routes.post(PREFIX + "/unlock", ctx -> run(ctx, "unlock", false, (b, r) -> branches.unlock(b, r.couponId)));
        routes.post(PREFIX + "/use", ctx -> run(ctx, "use", true, (b, r) ->
                branches.use(b, r.userId, r.couponId, r.orderSn, r.lines(), r.shippingFeeCents(),
                        r.orderCouponIds(), r.expectedDiscountCents)));
        routes.post(PREFIX + "/revert", ctx -> run(ctx, "revert", false, (b, r) -> branches.revert(b, r.couponId)));
    }

    private interface Branch {
        BranchResult call(BranchContext b, Request r);
    }

    private void run(Context ctx, String name, boolean needsOrder, Branch branch) {
        String op = ctx.queryParam("op");
        BranchContext b;
        try {
            b = BranchContext.of(ctx.queryParam("trans_type"), ctx.queryParam("gid"), ctx.queryParam("branch_id"), op);
        } catch (InvalidInputException e) {
            if (ctx.queryParam("gid") == null || op == null) {
                throw e; // not a DTM call: 400
            }
            if (BranchContext.COMPENSATE.equals(op)) {
                success(ctx, branches.unreadableContext(name, e.getMessage()));
            } else {
                ctx.status(409).json(new Failure("FAILURE", "invalid_argument", e.getMessage(), e.errors()));
            }
            return;
        }
        Request r;
        try {
            r = json.read(ctx.body(), Request.class);
            r.validate(needsOrder);
        } catch (InvalidInputException e) {
            if (b.compensation()) {
                success(ctx, branches.unreadableCompensation(name, b, e.getMessage()));
            } else {
                ctx.status(409).json(new Failure("FAILURE", "invalid_argument", e.getMessage(), e.errors()));
            }
            return;
        }
        BranchResult result = branch.call(b, r);
        if (result.refused()) {
            ctx.status(409).json(new Failure("FAILURE", result.refusal().name().toLowerCase(Locale.ROOT),
                    result.message(), List.of()));
            return;
        }
        success(ctx, result);
    }

    private static void success(Context ctx, BranchResult result) {
        ctx.json(new Success("SUCCESS", result.effect().name(), result.status(), result.discount()));
    }

    /**
     * The payload of every branch. items and shipping_fee_cents are read by lock (optional: without
     * items the lock does not judge the order, as before) and use (required); order_coupon_ids and
     * expected_discount_cents by use only.
     */
    static final class Request {
        public Long userId;
        public Long couponId;
        public String orderSn;
        public List<OrderItem> items;
        public Long shippingFeeCents;
        public List<Long> orderCouponIds;
        public Long expectedDiscountCents;

        void validate(boolean needsOrder) {
            List<FieldError> errors = new ArrayList<>();
            if (userId == null || userId <= 0) {
                errors.add(new FieldError("user_id", "must be a positive integer"));
            }
            if (couponId == null || couponId <= 0) {
                errors.add(new FieldError("coupon_id", "must be a positive integer"));
            }
            if (orderSn == null || orderSn.isBlank() || orderSn.length() > 64) {
                errors.add(new FieldError("order_sn", "must be 1-64 characters"));
            }
            if (needsOrder && (items == null || items.isEmpty())) {
                errors.add(new FieldError("items", "must list the order lines"));
            }
            if (items != null) {
                errors.addAll(OrderItem.problems(items));
            }
            if (shippingFeeCents != null && shippingFeeCents < 0) {
                errors.add(new FieldError("shipping_fee_cents", "must not be negative"));
            }
            if (shippingFeeCents != null && shippingFeeCents != 0 && (items == null || items.isEmpty()) && !needsOrder) {
                errors.add(new FieldError("items", "must list the order lines when shipping_fee_cents is set"));
            }
            if (expectedDiscountCents != null && expectedDiscountCents < 0) {
                errors.add(new FieldError("expected_discount_cents", "must not be negative"));
            }
            if (orderCouponIds != null && orderCouponIds.stream().anyMatch(id -> id == null || id <= 0)) {
                errors.add(new FieldError("order_coupon_ids", "must be positive integers"));
            }
            if (!errors.isEmpty()) {
                throw new InvalidInputException(errors);
            }
        }

        List<OrderLine> lines() {
            return items == null ? List.of() : OrderItem.lines(items);
        }

        long shippingFeeCents() {
            return shippingFeeCents == null ? 0 : shippingFeeCents;
        }

        List<Long> orderCouponIds() {
            return orderCouponIds == null ? List.of() : orderCouponIds;
        }
    }

    /** 200 reply: what the branch did and the coupon's state; discount for an applied use. */
    record Success(String dtmResult, String effect, UserCouponStatus status, DiscountResult discount) {}

    /** 409 reply: DTM FAILURE with the refusal. */
    record Failure(String dtmResult, String error, String message, List<FieldError> fields) {}
}
