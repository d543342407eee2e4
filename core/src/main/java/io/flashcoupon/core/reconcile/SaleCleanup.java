package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.OperationId;
import io.flashcoupon.core.sale.SaleStore;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Removes a finished flash sale from Redis (every key of {@link Registry#saleKeys}), the explicit
 * cleanup, a sale's only way out. Only an activity ENDED in MySQL whose reconciliation, run right here,
 * is complete is removed - afterwards Redis can no longer tell which grants exist, so everything must
 * already be in MySQL. The delete itself re-checks in Redis that the sale is ENDED and that stock and
 * ledger are what the reconciliation saw. Any refusal is a ConflictException naming the reason.
 *
 * <p>Safe to replay: the delete records its operation id in a tombstone, so the same cleanup run twice
 * (Lettuce re-sending the script after a lost reply, an operator retrying with the same
 * Idempotency-Key) answers REMOVED both times, and MySQL records the removal even when the first
 * call died between the two stores. Known gap: after the tombstone expired ({@link Registry#CLEANED_TTL})
 * a cleanup cut short is reported like any sale missing from Redis.
 *
 * <p>An open grant conflict (a grant answered GRANTED whose row could not be written) refuses the
 * cleanup with its own reason: once the sale is gone from Redis its ledger entry is gone too, so an
 * operator settles it first and marks it resolved; the grant_conflicts record stays either way.
 */
public final class SaleCleanup {
    private final ActivityRepository activities;
    private final SaleStore store;
    private final Reconciler reconciler;
    private final ReconciliationReports reports;
    private final Clock clock;

    public SaleCleanup(ActivityRepository activities, SaleStore store, Reconciler reconciler,
            ReconciliationReports reports, Clock clock) {
        this.activities = activities;
        this.store = store;
        this.reconciler = reconciler;
        this.reports = reports;
        this.clock = clock;
    }

    /** What a cleanup removed, and the reconciliation that allowed it. */
    public record Cleaned(long activityId, List<String> removedKeys, long keysDeleted,
            ReconciliationReport reconciliation) {}

    /**
     * Cleans up the sale of {@code activityId} as operation {@code op}. When the sale is no longer in
     * Redis but a cleanup's tombstone is (for {@link Registry#CLEANED_TTL}), it answers that cleanup
     * instead of refusing if {@code op} is the operation that removed it (a retry with the same
     * Idempotency-Key), or if MySQL never recorded the removal (a cleanup cut short between Redis and
     * MySQL, completed here); its reconciliation is then the latest stored report.
     */
    public Cleaned cleanup(long activityId, OperationId op) {
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        if (activity.status() != ActivityStatus.ENDED) {
            throw new ConflictException("activity " + activityId + " is " + activity.status()
                    + "; only an ENDED sale can be cleaned up");
        }
        if (!store.snapshot(activityId).exists()) {
            return earlier(activityId, op);
        }
        ReconciliationReport report = reconciler.reconcile(activityId);
        if (report.conflicts().count() > 0) {
            throw new ConflictException("activity " + activityId + " has " + report.conflicts().count()
                    + " unresolved grant conflict(s): grant(s) answered GRANTED whose row could not be written "
                    + report.conflicts().items() + "; settle each with its user and mark it resolved"
                    + " (POST /api/v1/activities/" + activityId + "/conflicts/{coupon_sn}/resolve), then clean up;"
                    + " nothing was removed");
        }
        if (!report.complete()) {
            throw new ConflictException("reconciliation of activity " + activityId + " is not complete: "
                    + String.join("; ", report.problems()) + "; nothing was removed");
        }
        SaleStore.CleanupResult result = store.cleanup(activityId, report.ledgerSize(), report.remaining(), op);
        switch (result.outcome()) {
            case REMOVED -> {
                reports.markCleaned(activityId, clock.instant());
                return new Cleaned(activityId, List.of(Registry.cleanupKeys(activityId)), result.keysDeleted(), report);
            }
            case NOT_IN_REDIS -> throw new ConflictException("the sale of activity " + activityId
                    + " was removed from Redis concurrently");
            case NOT_ENDED -> throw new ConflictException("activity " + activityId
                    + " is ENDED in MySQL but its sale in Redis is not; stop it first");
            case CHANGED -> throw new ConflictException("the sale of activity " + activityId
                    + " changed after its reconciliation; nothing was removed, retry");
            default -> throw new IllegalStateException("unknown cleanup outcome " + result.outcome());
        }
    }

    /** The answer for a sale not in Redis: an earlier cleanup's, when it is {@code op}'s or was cut short. */
    private Cleaned earlier(long activityId, OperationId op) {
        Optional<ReconciliationReports.Stored> stored = reports.find(activityId);
        Optional<SaleStore.Tombstone> tombstone = store.tombstone(activityId);
        if (tombstone.isPresent() && stored.isPresent()) {
            boolean cutShort = stored.get().cleanedAt() == null;
            if (cutShort || tombstone.get().operation().equals(op)) {
                if (cutShort) {
                    reports.markCleaned(activityId, clock.instant());
                }
                return new Cleaned(activityId, List.of(Registry.cleanupKeys(activityId)),
                        tombstone.get().keysDeleted(), stored.get().report());
            }
        }
        String when = stored.map(ReconciliationReports.Stored::cleanedAt)
                .map(at -> " (cleaned up at " + at + ")").orElse("");
        throw new ConflictException("the sale of activity " + activityId + " is not in Redis" + when
                + "; nothing to clean up");
    }
}
