package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.wallet.UserCouponRepository;
import java.util.Optional;
import java.util.function.LongFunction;

/** Reads a sale's {@link SaleFigures}: the Redis snapshot (one O(1) script), then the row count. */
public final class SaleFiguresReader implements LongFunction<Optional<SaleFigures>> {
    private final SaleSegments sales;
    private final UserCouponRepository coupons;
    private final ActivityRepository activities;

    /** {@code activities} says how many segments a sale has. */
    public SaleFiguresReader(SaleStore store, UserCouponRepository coupons, ActivityRepository activities) {
        this.sales = new SaleSegments(store);
        this.coupons = coupons;
        this.activities = activities;
    }

    /** Empty when the sale is not in Redis. */
    @Override
    public Optional<SaleFigures> apply(long activityId) {
        Optional<Activity> activity = activities.find(activityId);
        if (activity.isEmpty()) {
            return Optional.empty();
        }
        SaleStore.SaleSnapshot s = sales.snapshot(activity.get());
        if (!s.exists()) {
            return Optional.empty();
        }
        return Optional.of(new SaleFigures(s.status(), s.total(), s.remaining(), s.ledgerSize(),
                coupons.countByActivity(activityId)));
    }
}
