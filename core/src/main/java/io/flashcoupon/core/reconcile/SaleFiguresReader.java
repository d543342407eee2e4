package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.wallet.UserCouponRepository;
import java.util.Optional;
import java.util.function.LongFunction;

/** Reads a sale's {@link SaleFigures}: the Redis snapshot (one O(1) script), then the row count. */
public final class SaleFiguresReader implements LongFunction<Optional<SaleFigures>> {
    private final SaleStore store;
    private final UserCouponRepository coupons;

    public SaleFiguresReader(SaleStore store, UserCouponRepository coupons) {
        this.store = store;
        this.coupons = coupons;
    }

    /** Empty when the sale is not in Redis. */
    @Override
    public Optional<SaleFigures> apply(long activityId) {
        SaleStore.SaleSnapshot s = store.snapshot(activityId);
        if (!s.exists()) {
            return Optional.empty();
        }
        return Optional.of(new SaleFigures(s.status(), s.total(), s.remaining(), s.ledgerSize(),
                coupons.countByActivity(activityId)));
    }
}
