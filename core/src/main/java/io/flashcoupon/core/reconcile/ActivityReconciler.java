package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.observe.LogFields;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.sale.LedgerEntry;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.core.wallet.GrantRow;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.proto.v1.CouponGrabbed;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles one flash sale (docs/operations.md): reads the rows from MySQL, then stock,
 * ledger and users hash from Redis in one script, lets {@link LedgerComparison} decide, re-publishes
 * the CouponGrabbed of every late grant (a grant older than the grace without a row: its event was
 * lost or is stuck) through the {@link GrantLedger}, stores the report as the activity's latest and
 * returns it. The admin API runs it on demand, topology's ReconcileJob periodically.
 *
 * <p>Anything else that does not add up is logged at ERROR and reported, never "fixed": a row without
 * a ledger entry, a row with another owner or seq, a users-hash count that differs from the ledger,
 * stock that does not balance, and open grant conflicts (grants the sink could not write because
 * another row is in their way, recorded in grant_conflicts; they are not re-published, which would
 * only meet the same row again, and stay reported until an operator resolves them). Safe on several instances at once: re-publishing is idempotent
 * downstream (the sink ignores a known coupon_sn) and a stored report only replaces an older one.
 *
 * <p>Known gaps: reads whole hashes and all rows of the sale (O(grants) memory and Redis time per
 * run; the periodic ReconcileJob skips sales unchanged since their last complete run);
 * re-publishes every late grant of a run synchronously, one transactional send each.
 */
public final class ActivityReconciler implements Reconciler {
    private static final Logger log = LoggerFactory.getLogger(ActivityReconciler.class);

    private final ActivityRepository activities;
    private final UserCouponRepository coupons;
    private final GrantConflicts conflicts;
    private final SaleStore store;
    private final SaleSegments segments;
    private final ReconciliationReports reports;
    private final GrantLedger ledger;
    private final LedgerComparison comparison;
    private final Clock clock;
    private final ReconcileMetrics metrics;
    private final java.util.function.LongFunction<ReconciliationReport.Healed> healed;

    public ActivityReconciler(ActivityRepository activities, UserCouponRepository coupons, GrantConflicts conflicts,
            SaleStore store, ReconciliationReports reports, GrantLedger ledger, LedgerComparison comparison, Clock clock,
            ReconcileMetrics metrics) {
        this(activities, coupons, conflicts, store, reports, ledger, comparison, clock, metrics, id -> null);
    }

    /** {@code healed} reads a sale's latest fence and heal (SaleFences), null when never fenced. */
    public ActivityReconciler(ActivityRepository activities, UserCouponRepository coupons, GrantConflicts conflicts,
            SaleStore store, ReconciliationReports reports, GrantLedger ledger, LedgerComparison comparison, Clock clock,
            ReconcileMetrics metrics, java.util.function.LongFunction<ReconciliationReport.Healed> healed) {
        this.healed = healed;
        this.activities = activities;
        this.coupons = coupons;
        this.conflicts = conflicts;
        this.store = store;
        this.segments = new SaleSegments(store);
        this.reports = reports;
        this.ledger = ledger;
        this.comparison = comparison;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public ReconciliationReport reconcile(long activityId) {
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        Instant ranAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        List<GrantRow> rows = coupons.grantsByActivity(activityId);
        // after the rows, like them before the ledger: a conflict is recorded with its batch's rows
        List<GrantConflict> recorded = conflicts.byActivity(activityId);
        // A transfer left in flight by a borrower that died is completed first (a credit applies once per id).
        int completed = 0;
        if (activity.segments() > 1) {
            segments.syncStatus(activity);
            completed = segments.completeTransfers(activityId, activity.segments(), null);
        }
        SaleStore.SaleState sale = segments.state(activity).orElseThrow(() -> new ConflictException("the sale of activity "
                + activityId + " is not in Redis (never started, or cleaned up); there is nothing to reconcile"));
        LedgerComparison.Findings findings = comparison.compare(sale.total(), sale.remaining(), sale.ledger(),
                sale.users(), rows, recorded, ranAt.toEpochMilli());

        List<String> republished = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        // The request id travels with the event (user_coupons.request_id answers a retry after cleanup and
        // restores the request's outcome in a heal); read only when something is late: O(requests).
        Map<String, String> requestIds = findings.late().isEmpty() ? Map.of() : requestIdsByGrant(activity);
        for (LedgerEntry late : findings.late()) {
            CouponGrabbed.Builder event = CouponGrabbed.newBuilder()
                    .setCouponSn(late.couponSn())
                    .setActivityId(activityId)
                    .setTemplateId(activity.templateId())
                    .setUserId(late.userId())
                    .setSeq(late.seq())
                    .setGrantedAtMs(late.grantedAtMs());
            String requestId = requestIds.get(late.couponSn());
            if (requestId != null) {
                event.setRequestId(requestId);
            }
            CouponGrabbed grabbed = event.build();
            try {
                (ledger.republish(grabbed, SaleSegments.ofUser(activity, late.userId())) ? republished : failed)
                        .add(late.couponSn());
            } catch (Exception e) {
                try (LogFields fields = LogFields.of(activityId, late.userId(), late.couponSn())) {
                    log.warn("activity {}: re-publishing coupon {} failed: {}", activityId, late.couponSn(),
                            e.toString());
                }
                failed.add(late.couponSn());
            }
        }
        ReconciliationReport report = findings.report(activityId, sale.status(), ranAt, republished, failed)
                .withHealed(healed.apply(activityId))
                .withSegments(activity.segments() > 1 ? segmentsSection(activity, sale, completed) : null);
        logFindings(report);
        reports.save(report);
        metrics.recorded(report);
        return report;
    }

    private Map<String, String> requestIdsByGrant(Activity activity) {
        Map<String, String> out = new java.util.HashMap<>();
        for (Segment s : SaleSegments.of(activity)) {
            out.putAll(store.requestIdsByGrant(s));
        }
        return out;
    }

    /** The report's segments section from the merged state's transfer records ("index:id" -> record). */
    private static ReconciliationReport.Segments segmentsSection(Activity activity, SaleStore.SaleState sale,
            int completed) {
        List<Map<String, String>> bySegment = new ArrayList<>();
        for (int i = 0; i < activity.segments(); i++) {
            bySegment.add(new java.util.HashMap<>());
        }
        long moved = 0;
        long transfers = 0;
        for (Map.Entry<String, String> e : sale.transfers().entrySet()) {
            int colon = e.getKey().indexOf(':');
            bySegment.get(Integer.parseInt(e.getKey().substring(0, colon))).put(e.getKey().substring(colon + 1), e.getValue());
            String[] f = e.getValue().split(":");
            if (f[0].equals("out")) {
                transfers++;
                moved += Long.parseLong(f[2]);
            }
        }
        List<String> inFlight = SaleSegments.inFlight(bySegment).stream().map(SaleSegments.Transfer::id).toList();
        return new ReconciliationReport.Segments(activity.segments(), transfers, moved, completed,
                ReconciliationReport.SnSample.of(inFlight));
    }

    private static void logFindings(ReconciliationReport r) {
        try (LogFields fields = LogFields.activity(r.activityId())) {
            logFindingsOf(r);
        }
    }

    private static void logFindingsOf(ReconciliationReport r) {
        long id = r.activityId();
        if (!r.stockBalanced()) {
            log.error("RECONCILIATION activity {}: stock does not balance: total {} != remaining {} + ledger {}",
                    id, r.total(), r.remaining(), r.ledgerSize());
        }
        if (r.rowsWithoutLedger().count() > 0) {
            log.error("RECONCILIATION activity {}: {} user_coupons row(s) without a ledger entry (not removed): {}",
                    id, r.rowsWithoutLedger().count(), r.rowsWithoutLedger().sns());
        }
        if (r.ownerMismatches().count() > 0) {
            log.error("RECONCILIATION activity {}: {} row(s) whose owner or seq differ from the ledger: {}",
                    id, r.ownerMismatches().count(), r.ownerMismatches().items());
        }
        if (r.userCountMismatches().count() > 0) {
            log.error("RECONCILIATION activity {}: {} users-hash count(s) differ from the ledger: {}",
                    id, r.userCountMismatches().count(), r.userCountMismatches().items());
        }
        if (r.conflicts().count() > 0) {
            log.error("RECONCILIATION activity {}: {} grant(s) answered GRANTED but not written, another row in"
                    + " their way (grant_conflicts, resolve each once settled): {}", id, r.conflicts().count(),
                    r.conflicts().items());
        }
        if (r.malformed().count() > 0) {
            log.error("RECONCILIATION activity {}: {} unreadable ledger/users entries: {}",
                    id, r.malformed().count(), r.malformed().sns());
        }
        if (r.republished().count() > 0) {
            log.warn("reconciliation activity {}: re-published {} grant(s) without a row after {} ms: {}",
                    id, r.republished().count(), r.graceMs(), r.republished().sns());
        }
        if (r.republishFailed().count() > 0) {
            log.warn("reconciliation activity {}: {} late grant(s) not re-published this run (retried next run): {}",
                    id, r.republishFailed().count(), r.republishFailed().sns());
        }
        if (r.healed() != null && r.healed().oversoldBy() > 0) {
            log.error("RECONCILIATION activity {}: oversold by {} (heal of {}, reason {})", id, r.healed().oversoldBy(),
                    r.healed().healedAtMs(), r.healed().reason());
        }
        if (r.complete()) {
            log.info("reconciliation activity {}: complete ({} granted = {} rows, {} left of {})",
                    id, r.ledgerSize(), r.rows(), r.remaining(), r.total());
        } else {
            log.info("reconciliation activity {}: not complete: {}", id, r.problems());
        }
    }
}
