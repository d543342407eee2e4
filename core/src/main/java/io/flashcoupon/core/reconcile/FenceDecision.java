package io.flashcoupon.core.reconcile;

import java.util.Optional;

/**
 * Whether a live sale's Redis state may have lost grants, from what the fence checker read, with no
 * I/O. Rows are counted BEFORE the ledger is read: a row always follows its ledger entry and the
 * ledger only grows, so more rows than ledger entries means Redis lost some.
 */
public final class FenceDecision {
    private FenceDecision() {}

    /** Why a sale is fenced (label {@code reason} of coupon_sale_heals_total). */
    public enum Reason {
        /** MySQL says the sale is fenced: a heal did not finish (Redis may have lost the flag too). */
        HEAL_UNFINISHED,
        /** The sale hash is gone though the sale was started and not cleaned up. */
        SALE_MISSING,
        /** Redis is a different process than the one the sale was last verified on (restart, failover). */
        REDIS_RESTARTED,
        /** More user_coupons rows than ledger entries. */
        LEDGER_BEHIND,
        /** The fence flag is set in Redis (by another checker, or by an operator). */
        FENCED_IN_REDIS
    }

    /**
     * {@code mysqlFenced}: sale_fences says fenced; {@code verifiedRunId}: the run id the sale was last
     * verified on (null when never); {@code runId}: Redis's now; {@code exists}/{@code redisFenced}/
     * {@code ledgerSize}: the sale hash; {@code rows}: user_coupons rows counted before the ledger was read.
     */
    public static Optional<Reason> decide(boolean mysqlFenced, String verifiedRunId, String runId, boolean exists,
            boolean redisFenced, long ledgerSize, long rows) {
        if (mysqlFenced) {
            return Optional.of(Reason.HEAL_UNFINISHED);
        }
        if (!exists) {
            return Optional.of(Reason.SALE_MISSING);
        }
        if (verifiedRunId != null && !verifiedRunId.equals(runId)) {
            return Optional.of(Reason.REDIS_RESTARTED);
        }
        if (rows > ledgerSize) {
            return Optional.of(Reason.LEDGER_BEHIND);
        }
        if (redisFenced) {
            return Optional.of(Reason.FENCED_IN_REDIS);
        }
        return Optional.empty();
    }
}
