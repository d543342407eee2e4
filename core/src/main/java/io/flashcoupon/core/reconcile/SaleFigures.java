package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.activity.ActivityStatus;

/**
 * A sale seen from outside, cheaply: the Redis sale hash and ledger size (one O(1) script) and the
 * number of user_coupons rows (one indexed COUNT). Equal figures before and after a complete
 * reconciliation mean nothing was granted, materialized, restocked or changed in status since.
 */
public record SaleFigures(ActivityStatus status, long total, long remaining, long ledgerSize, long rows) {

    /** The figures a reconciliation run read. */
    public static SaleFigures of(ReconciliationReport r) {
        return new SaleFigures(r.saleStatus(), r.total(), r.remaining(), r.ledgerSize(), r.rows());
    }
}
