package io.flashcoupon.core.reconcile;

/**
 * Reconciles one flash sale now: compares Redis with MySQL, re-publishes grants whose row is late,
 * stores and returns the report. NotFoundException for an unknown activity, ConflictException when
 * the sale is not in Redis (never started, or cleaned up).
 */
@FunctionalInterface
public interface Reconciler {
    ReconciliationReport reconcile(long activityId);
}
