package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.reconcile.ReconciliationReport.Conflict;
import io.flashcoupon.core.reconcile.ReconciliationReport.OwnerMismatch;
import io.flashcoupon.core.reconcile.ReconciliationReport.Sample;
import io.flashcoupon.core.reconcile.ReconciliationReport.SnSample;
import io.flashcoupon.core.reconcile.ReconciliationReport.UserCountMismatch;
import io.flashcoupon.core.sale.LedgerEntry;
import io.flashcoupon.core.wallet.GrantRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reconciliation's pure stage: one sale's Redis state (stock, ledger, users hash) against its
 * user_coupons rows, with no I/O. Decides which grants are late (no row, older than the grace: to be
 * re-published) and finds everything else that does not add up, which is only ever reported:
 * rows without a ledger entry, rows whose owner or seq differ, per-user counts that differ from the
 * ledger, unreadable entries, and stock that does not balance (total = remaining + ledger). A grant
 * the sink recorded in grant_conflicts (its row could not be written) is no late grant: re-publishing
 * it would meet the same row again, so it is reported as a conflict until resolved, never re-published.
 *
 * <p>The caller must read the rows BEFORE the ledger: a row always follows its ledger entry, so a
 * row read first has its entry in a ledger read later, and a grant landing in between is merely
 * "within the grace". Results are ordered by coupon_sn (time order), users by id.
 */
public final class LedgerComparison {
    private final long graceMs;

    public LedgerComparison(long graceMs) {
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace must not be negative, was " + graceMs);
        }
        this.graceMs = graceMs;
    }

    /**
     * Compares; {@code ledger} is coupon_sn -> "userId:seq:grantedAtMs", {@code users} userId -> count,
     * {@code nowMs} the instant against which the grace is measured.
     */
    public Findings compare(long total, long remaining, Map<String, String> ledger, Map<String, String> users,
            List<GrantRow> rows, long nowMs) {
        return compare(total, remaining, ledger, users, rows, List.of(), nowMs);
    }

    /** As above, with the sale's grant conflicts (open and resolved) as recorded by the sink. */
    public Findings compare(long total, long remaining, Map<String, String> ledger, Map<String, String> users,
            List<GrantRow> rows, List<GrantConflict> conflicts, long nowMs) {
        Set<String> conflicted = new HashSet<>();
        List<GrantConflict> open = new ArrayList<>();
        long resolved = 0;
        for (GrantConflict c : conflicts) {
            conflicted.add(c.couponSn());
            if (c.open()) {
                open.add(c);
            } else {
                resolved++;
            }
        }
        open.sort(Comparator.comparing(GrantConflict::couponSn));
        Map<String, GrantRow> rowBySn = new HashMap<>(rows.size() * 2);
        for (GrantRow r : rows) {
            rowBySn.put(r.couponSn(), r);
        }
        List<LedgerEntry> late = new ArrayList<>();
        List<String> withinGrace = new ArrayList<>();
        List<OwnerMismatch> owners = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        Map<Long, Long> perUser = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(ledger).entrySet()) {
            Optional<LedgerEntry> parsed = LedgerEntry.parse(e.getKey(), e.getValue());
            if (parsed.isEmpty()) {
                malformed.add("ledger:" + e.getKey() + "=" + e.getValue());
                continue;
            }
            LedgerEntry entry = parsed.get();
            perUser.merge(entry.userId(), 1L, Long::sum);
            GrantRow row = rowBySn.get(entry.couponSn());
            if (row == null) {
                if (conflicted.contains(entry.couponSn())) {
                    continue; // reported with the conflicts
                }
                if (nowMs - entry.grantedAtMs() >= graceMs) {
                    late.add(entry);
                } else {
                    withinGrace.add(entry.couponSn());
                }
            } else if (row.userId() != entry.userId() || row.seq() != entry.seq()) {
                owners.add(new OwnerMismatch(entry.couponSn(), entry.userId(), entry.seq(), row.userId(), row.seq()));
            }
        }
        List<String> withoutLedger = new ArrayList<>();
        for (String sn : new TreeSet<>(rowBySn.keySet())) {
            if (!ledger.containsKey(sn)) {
                withoutLedger.add(sn);
            }
        }
        Map<Long, Long> hashCounts = new TreeMap<>();
        for (Map.Entry<String, String> e : users.entrySet()) {
            try {
                hashCounts.put(Long.parseLong(e.getKey()), Long.parseLong(e.getValue()));
            } catch (NumberFormatException nfe) {
                malformed.add("users:" + e.getKey() + "=" + e.getValue());
            }
        }
        List<UserCountMismatch> userCounts = new ArrayList<>();
        TreeSet<Long> everyUser = new TreeSet<>(hashCounts.keySet());
        everyUser.addAll(perUser.keySet());
        for (long user : everyUser) {
            long inHash = hashCounts.getOrDefault(user, 0L);
            long inLedger = perUser.getOrDefault(user, 0L);
            if (inHash != inLedger) {
                userCounts.add(new UserCountMismatch(user, inHash, inLedger));
            }
        }
        boolean balanced = remaining >= 0 && total == remaining + ledger.size();
        return new Findings(graceMs, total, remaining, ledger.size(), rows.size(), late, withinGrace, withoutLedger,
                owners, userCounts, malformed, open, resolved, balanced);
    }

    /**
     * What one comparison found; {@code late} are the grants to re-publish, in time order;
     * {@code openConflicts} the sale's unresolved grant conflicts, {@code resolvedConflicts} how many are resolved.
     */
    public record Findings(long graceMs, long total, long remaining, long ledgerSize, long rows, List<LedgerEntry> late,
            List<String> withinGrace, List<String> rowsWithoutLedger, List<OwnerMismatch> ownerMismatches,
            List<UserCountMismatch> userCountMismatches, List<String> malformed, List<GrantConflict> openConflicts,
            long resolvedConflicts, boolean stockBalanced) {

        /**
         * The report once the late grants were re-published: {@code republished} committed,
         * {@code failed} not taken by the broker this time. Complete only when everything matched
         * and nothing was late or in flight, and no grant conflict is open.
         */
        public ReconciliationReport report(long activityId, ActivityStatus saleStatus, Instant ranAt,
                List<String> republished, List<String> failed) {
            boolean complete = stockBalanced && late.isEmpty() && withinGrace.isEmpty() && rowsWithoutLedger.isEmpty()
                    && ownerMismatches.isEmpty() && userCountMismatches.isEmpty() && malformed.isEmpty()
                    && failed.isEmpty() && republished.isEmpty() && openConflicts.isEmpty();
            List<Conflict> conflicts = new ArrayList<>(openConflicts.size());
            openConflicts.forEach(c -> conflicts.add(Conflict.of(c)));
            return new ReconciliationReport(activityId, ranAt, saleStatus, graceMs, total, remaining, ledgerSize, rows,
                    SnSample.of(republished), SnSample.of(failed), SnSample.of(withinGrace),
                    SnSample.of(rowsWithoutLedger), Sample.of(ownerMismatches), Sample.of(userCountMismatches),
                    SnSample.of(malformed), Sample.of(conflicts), resolvedConflicts, stockBalanced, complete);
        }
    }
}
