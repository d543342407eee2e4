package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.activity.ActivityStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One reconciliation run of one flash sale (docs/operations.md): what Redis and MySQL held
 * when it read them, which grants it re-published, and everything that does not add up. Lists are
 * capped samples; their counts are exact.
 *
 * <ul>
 * <li>total, remaining, ledgerSize: the Redis sale ({@code total} = initial stock); stockBalanced
 *     = total == remaining + ledgerSize and remaining >= 0.
 * <li>rows: user_coupons rows of the activity.
 * <li>republished: ledger entries older than the grace without a row, whose CouponGrabbed was
 *     committed again; republishFailed: those the broker did not take this time (retried next run).
 * <li>missingWithinGrace: ledger entries without a row yet, younger than the grace (in flight).
 * <li>rowsWithoutLedger: rows with no ledger entry; ownerMismatches: rows whose user or seq differ
 *     from their ledger entry; userCountMismatches: users-hash counts that differ from the ledger;
 *     malformed: ledger or users-hash entries that cannot be read. These are never fixed here.
 * <li>conflicts: grants the sink could not write because another row holds their (activity, user,
 *     seq) or their coupon_sn (grant_conflicts), still open; they are not re-published.
 *     resolvedConflicts: how many of the sale's conflicts an operator has resolved.
 * <li>complete: everything matches and nothing is pending.
 * <li>healed: the latest fence and heal of the sale after Redis lost grants (SaleFence), null when
 *     it never was fenced; a sale fenced now or oversold is never complete.
 * <li>segments: for a sale split over several segments, its stock transfers; remaining counts the
 *     chunks in flight (lent by one segment, not yet received by another), and a sale with one is not
 *     complete. Null for a sale of one segment.
 * </ul>
 */
public record ReconciliationReport(
        long activityId,
        Instant ranAt,
        ActivityStatus saleStatus,
        long graceMs,
        long total,
        long remaining,
        long ledgerSize,
        long rows,
        SnSample republished,
        SnSample republishFailed,
        SnSample missingWithinGrace,
        SnSample rowsWithoutLedger,
        Sample<OwnerMismatch> ownerMismatches,
        Sample<UserCountMismatch> userCountMismatches,
        SnSample malformed,
        Sample<Conflict> conflicts,
        long resolvedConflicts,
        boolean stockBalanced,
        boolean complete,
        Healed healed,
        Segments segments) {

    /** A report without a {@code healed} section (the sale was never fenced). */
    public ReconciliationReport(long activityId, Instant ranAt, ActivityStatus saleStatus, long graceMs, long total,
            long remaining, long ledgerSize, long rows, SnSample republished, SnSample republishFailed,
            SnSample missingWithinGrace, SnSample rowsWithoutLedger, Sample<OwnerMismatch> ownerMismatches,
            Sample<UserCountMismatch> userCountMismatches, SnSample malformed, Sample<Conflict> conflicts,
            long resolvedConflicts, boolean stockBalanced, boolean complete) {
        this(activityId, ranAt, saleStatus, graceMs, total, remaining, ledgerSize, rows, republished, republishFailed,
                missingWithinGrace, rowsWithoutLedger, ownerMismatches, userCountMismatches, malformed, conflicts,
                resolvedConflicts, stockBalanced, complete, null, null);
    }

    /** This report with {@code h} as its healed section; a sale fenced now or oversold is not complete. */
    public ReconciliationReport withHealed(Healed h) {
        boolean stillComplete = complete && (h == null || (!h.fencedNow() && h.oversoldBy() == 0));
        return new ReconciliationReport(activityId, ranAt, saleStatus, graceMs, total, remaining, ledgerSize, rows,
                republished, republishFailed, missingWithinGrace, rowsWithoutLedger, ownerMismatches,
                userCountMismatches, malformed, conflicts, resolvedConflicts, stockBalanced, stillComplete, h, segments);
    }

    /** This report with {@code s} as its segments section; a sale with a transfer in flight is not complete. */
    public ReconciliationReport withSegments(Segments s) {
        boolean stillComplete = complete && (s == null || s.inFlight().count() == 0);
        return new ReconciliationReport(activityId, ranAt, saleStatus, graceMs, total, remaining, ledgerSize, rows,
                republished, republishFailed, missingWithinGrace, rowsWithoutLedger, ownerMismatches,
                userCountMismatches, malformed, conflicts, resolvedConflicts, stockBalanced, stillComplete, healed, s);
    }

    /**
     * The stock transfers of a split sale: how many segments, how many transfers and coupons moved between
     * them, how many of those this run completed (lent, never received: their borrower died), and the
     * transfer ids still in flight when it read the sale (counted in remaining).
     */
    public record Segments(int count, long transfers, long coupons, long completed, SnSample inFlight) {}

    /** A report stored before conflicts were reported reads as having none. */
    public ReconciliationReport {
        if (conflicts == null) {
            conflicts = Sample.of(List.of());
        }
    }

    /** At most this many items are kept in each list of a report. */
    public static final int SAMPLE_CAP = 100;

    /** What a report says is wrong or pending, one phrase each; empty when complete. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (!stockBalanced) {
            out.add("stock does not balance: total " + total + " != remaining " + remaining + " + ledger " + ledgerSize);
        }
        add(out, rowsWithoutLedger.count(), "row(s) without a ledger entry " + rowsWithoutLedger.sns());
        add(out, ownerMismatches.count(), "row(s) whose owner or seq differ from the ledger " + ownerMismatches.items());
        add(out, userCountMismatches.count(), "user count(s) differ from the ledger " + userCountMismatches.items());
        add(out, malformed.count(), "unreadable ledger/users entries " + malformed.sns());
        add(out, conflicts.count(), "grant(s) not written because another row holds their activity, user and seq"
                + " or their coupon_sn, unresolved (grant_conflicts) " + conflicts.items());
        add(out, republished.count(), "grant(s) without a row re-published just now " + republished.sns());
        add(out, republishFailed.count(), "grant(s) without a row the broker did not take " + republishFailed.sns());
        add(out, missingWithinGrace.count(), "grant(s) not materialized yet, within the grace "
                + missingWithinGrace.sns());
        if (healed != null && healed.fencedNow()) {
            out.add("fenced since " + healed.fencedAtMs() + " (" + healed.reason() + "): being healed");
        }
        if (segments != null && segments.inFlight().count() > 0) {
            out.add(segments.inFlight().count() + " stock transfer(s) in flight between segments "
                    + segments.inFlight().sns());
        }
        if (healed != null && healed.oversoldBy() > 0) {
            out.add("oversold by " + healed.oversoldBy() + " (found by the heal of " + healed.healedAtMs()
                    + "; the sale was paused)");
        }
        return out;
    }

    private static void add(List<String> out, long count, String what) {
        if (count > 0) {
            out.add(count + " " + what);
        }
    }

    /** A count and the first {@link #SAMPLE_CAP} coupon serials (or entry names) it counts. */
    public record SnSample(long count, List<String> sns) {
        public static SnSample of(List<String> all) {
            return new SnSample(all.size(), List.copyOf(all.subList(0, Math.min(all.size(), SAMPLE_CAP))));
        }
    }

    /** A count and the first {@link #SAMPLE_CAP} items it counts. */
    public record Sample<T>(long count, List<T> items) {
        public static <T> Sample<T> of(List<T> all) {
            return new Sample<>(all.size(), List.copyOf(all.subList(0, Math.min(all.size(), SAMPLE_CAP))));
        }
    }

    /** A row whose owner or seq differ from its ledger entry. */
    public record OwnerMismatch(String couponSn, long ledgerUserId, int ledgerSeq, long rowUserId, int rowSeq) {}

    /**
     * The latest fence and heal of the sale: fencedNow while a heal runs; fencedAtMs when that fence was
     * raised; healedAtMs when the latest heal finished; the reason; sns re-added to the ledger from
     * MySQL rows; grants beyond the total it found (the sale was paused); finished heals in all.
     */
    public record Healed(boolean fencedNow, Long fencedAtMs, Long healedAtMs, String reason, long snsReadded,
            long oversoldBy, int heals) {}

    /**
     * An open grant conflict: {@code couponSn} was granted to the user as their {@code seq}-th coupon
     * but not written, because row {@code existingCouponSn} is in its way (equal to couponSn when the
     * serial itself is another grant's row).
     */
    public record Conflict(String couponSn, String existingCouponSn, long userId, int seq, Instant detectedAt) {
        static Conflict of(GrantConflict c) {
            return new Conflict(c.couponSn(), c.existingCouponSn(), c.userId(), c.seq(), c.detectedAt());
        }

        @Override
        public String toString() {
            return couponSn + " (user " + userId + ", seq " + seq + ", row " + existingCouponSn + ")";
        }
    }

    /** A user whose count in the users hash differs from the number of their ledger entries. */
    public record UserCountMismatch(long userId, long usersHash, long ledger) {}
}
