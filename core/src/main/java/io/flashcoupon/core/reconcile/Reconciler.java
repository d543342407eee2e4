package io.flashcoupon.core.reconcile;

/**
 * Reconciles one flash sale now: compares Redis with MySQL, re-publishes grants whose row is late,
 * stores and returns the report. NotFoundException for an unknown activity, ConflictException when
 * the sale is not in Redis (never started, or cleaned up). {@link ActivityReconciler} in production;
 * the periodic job, the cleanup and the admin API's on-demand runs call it through this seam.
 */
@FunctionalInterface
public interface Reconciler {
    ReconciliationReport reconcile(long activityId);
}
