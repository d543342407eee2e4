package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.OperationId;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.Segment;
import java.time.Clock;
import java.util.ArrayList;
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
        Segment first = Segment.of(activityId, 0, activity.segments());
        if (!store.snapshot(first).exists()) {
            return earlier(activity, op);
        }
        if (activity.segments() > 1) {
            Optional<Cleaned> resumed = resumed(activity, op);
            if (resumed.isPresent()) {
                return resumed.get();
            }
        }
        // A stop cut short between the segments of a split sale is completed first (they follow the first).
        new SaleSegments(store).syncStatus(activity);
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
        if (activity.segments() == 1) {
            SaleStore.CleanupResult result = store.cleanup(first, report.ledgerSize(), report.remaining(), op);
            return removed(activity, result, report);
        }
        // A split sale: every segment with the figures it holds now (the reconciliation just saw them add up
        // over the whole sale, which is ENDED: no grab or loan lands any more), the first segment last, so
        // its tombstone says the whole sale is gone.
        long deleted = 0;
        List<Segment> all = SaleSegments.of(activity);
        for (int i = all.size() - 1; i >= 0; i--) {
            SaleStore.SaleSnapshot part = store.snapshot(all.get(i));
            SaleStore.CleanupResult result = store.cleanup(all.get(i), part.ledgerSize(), part.remaining(), op);
            if (result.outcome() != SaleStore.CleanupResult.Outcome.REMOVED) {
                return removed(activity, result, report);
            }
            deleted += result.keysDeleted();
        }
        return removed(activity, new SaleStore.CleanupResult(SaleStore.CleanupResult.Outcome.REMOVED, deleted), report);
    }

    /** MySQL follows a removal; anything else is refused with its reason. */
    private Cleaned removed(Activity activity, SaleStore.CleanupResult result, ReconciliationReport report) {
        long activityId = activity.id();
        switch (result.outcome()) {
            case REMOVED -> {
                reports.markCleaned(activityId, clock.instant());
                return new Cleaned(activityId, keys(activity), result.keysDeleted(), report);
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

    private static List<String> keys(Activity activity) {
        List<String> out = new ArrayList<>();
        for (Segment s : SaleSegments.of(activity)) {
            out.addAll(List.of(Registry.cleanupKeys(s)));
        }
        return out;
    }

    /**
     * A split sale whose cleanup was cut short after removing some of its segments (never the first,
     * removed last): the rest are removed as they are under {@code op}, without a new reconciliation (the
     * one that allowed the removal is stored). Empty when no segment is missing; refused when one is
     * missing without a cleanup's tombstone.
     */
    private Optional<Cleaned> resumed(Activity activity, OperationId op) {
        List<Segment> all = SaleSegments.of(activity);
        boolean missing = false;
        for (Segment s : all) {
            if (!store.snapshot(s).exists()) {
                if (store.tombstone(s).isEmpty()) {
                    throw new ConflictException(s + " is not in Redis while segment 0 is, and no cleanup removed it;"
                            + " nothing was removed");
                }
                missing = true;
            }
        }
        if (!missing) {
            return Optional.empty();
        }
        ReconciliationReport report = reports.find(activity.id()).map(ReconciliationReports.Stored::report)
                .orElseThrow(() -> new ConflictException("activity " + activity.id() + " was partly cleaned up but"
                        + " has no stored reconciliation; nothing was removed"));
        long deleted = 0;
        for (int i = all.size() - 1; i >= 0; i--) {
            Segment s = all.get(i);
            SaleStore.SaleSnapshot part = store.snapshot(s);
            SaleStore.CleanupResult result = part.exists()
                    ? store.cleanup(s, part.ledgerSize(), part.remaining(), op)
                    : new SaleStore.CleanupResult(SaleStore.CleanupResult.Outcome.REMOVED,
                            store.tombstone(s).map(SaleStore.Tombstone::keysDeleted).orElse(0L));
            if (result.outcome() != SaleStore.CleanupResult.Outcome.REMOVED) {
                return Optional.of(removed(activity, result, report));
            }
            deleted += result.keysDeleted();
        }
        return Optional.of(removed(activity, new SaleStore.CleanupResult(SaleStore.CleanupResult.Outcome.REMOVED,
                deleted), report));
    }

    /** The answer for a sale not in Redis: an earlier cleanup's, when it is {@code op}'s or was cut short. */
    private Cleaned earlier(Activity activity, OperationId op) {
        long activityId = activity.id();
        Optional<ReconciliationReports.Stored> stored = reports.find(activityId);
        Optional<SaleStore.Tombstone> tombstone = store.tombstone(Segment.of(activityId, 0, activity.segments()));
        if (tombstone.isPresent() && stored.isPresent()) {
            boolean cutShort = stored.get().cleanedAt() == null;
            if (cutShort || tombstone.get().operation().equals(op)) {
                if (cutShort) {
                    reports.markCleaned(activityId, clock.instant());
                }
                return new Cleaned(activityId, keys(activity), tombstone.get().keysDeleted(), stored.get().report());
            }
        }
        String when = stored.map(ReconciliationReports.Stored::cleanedAt)
                .map(at -> " (cleaned up at " + at + ")").orElse("");
        throw new ConflictException("the sale of activity " + activityId + " is not in Redis" + when
                + "; nothing to clean up");
    }
}
