package io.flashcoupon.ingress;

/** Answers whether a grab is in its sale's ledger (voiding it when absent); throws when it cannot tell. */
@FunctionalInterface
public interface LedgerResolver {
    boolean inLedger(long activityId, String couponSn);
}
