package io.flashcoupon.admin;

import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.core.wallet.UserCouponStatus;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * /api/v1/users/{user_id}/coupons: a user's wallet, newest first, optionally filtered by status.
 * Read-only; rows are written by the sinks. Known gap: no check that the user exists (there is no
 * user table), so an unknown user is an empty wallet.
 */
final class WalletRoutes {
    static final String PATH = "/api/v1/users/{user_id}/coupons";

    private final UserCouponRepository coupons;

    WalletRoutes(UserCouponRepository coupons) {
        this.coupons = coupons;
    }

    void register(RoutesConfig routes) {
        routes.get(PATH, this::list);
    }

    void list(Context ctx) {
        long userId = Params.positiveId("user_id", ctx.pathParam("user_id"));
        UserCouponStatus status = Params.optionalEnum("status", ctx.queryParam("status"), UserCouponStatus.class);
        PageRequest page = PageRequest.parse(ctx.queryParam(PageRequest.PAGE_SIZE), ctx.queryParam(PageRequest.PAGE_TOKEN));
        PageRequest.Page<UserCoupon> result =
                page.page(coupons.listByUser(userId, status, page.beforeId(), page.fetchLimit()), UserCoupon::id);
        ctx.json(new CouponPage(result.items(), result.nextPageToken()));
    }

    /** GET /api/v1/users/{user_id}/coupons reply. */
    record CouponPage(List<UserCoupon> coupons, String nextPageToken) {}
}
