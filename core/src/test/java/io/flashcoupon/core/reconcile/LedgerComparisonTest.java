package io.flashcoupon.core.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.reconcile.ReconciliationReport.OwnerMismatch;
import io.flashcoupon.core.reconcile.ReconciliationReport.UserCountMismatch;
import io.flashcoupon.core.sale.LedgerEntry;
import io.flashcoupon.core.wallet.GrantRow;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LedgerComparisonTest {
    private static final long A = 7;
    private static final long GRACE = 10_000;
    private static final long NOW = 1_800_000_000_000L;
    private final LedgerComparison comparison = new LedgerComparison(GRACE);

    @Test
    void a_sale_whose_ledger_rows_counts_and_stock_agree_is_complete() {
        Map<String, String> ledger = Map.of("001", "10:1:" + (NOW - 60_000), "002", "11:1:" + (NOW - 50_000));
        LedgerComparison.Findings f = comparison.compare(5, 3, ledger, Map.of("10", "1", "11", "1"),
                List.of(row("001", 10, 1), row("002", 11, 1)), NOW);
        ReconciliationReport r = report(f, List.of(), List.of());
        assertThat(r.complete()).isTrue();
        assertThat(r.stockBalanced()).isTrue();
        assertThat(r.problems()).isEmpty();
        assertThat(List.of(r.total(), r.remaining(), r.ledgerSize(), r.rows())).containsExactly(5L, 3L, 2L, 2L);
    }

    @Test
    void a_grant_without_row_older_than_the_grace_is_late_and_a_younger_one_is_in_flight() {
        Map<String, String> ledger = Map.of(
                "001", "10:1:" + (NOW - GRACE),       // exactly the grace: late
                "002", "11:2:" + (NOW - GRACE + 1),   // one ms younger: in flight
                "003", "12:1:" + (NOW - 60_000));     // has its row
        LedgerComparison.Findings f = comparison.compare(3, 0, ledger, Map.of("10", "1", "11", "2", "12", "1"),
                List.of(row("003", 12, 1)), NOW);
        assertThat(f.late()).containsExactly(new LedgerEntry("001", 10, 1, NOW - GRACE));
        assertThat(f.withinGrace()).containsExactly("002");
        assertThat(f.userCountMismatches()).as("user 11's hash says 2 but the ledger holds 1")
                .containsExactly(new UserCountMismatch(11, 2, 1));
        ReconciliationReport r = report(f, List.of("001"), List.of());
        assertThat(r.republished().sns()).containsExactly("001");
        assertThat(r.missingWithinGrace().count()).isEqualTo(1);
        assertThat(r.complete()).isFalse();
    }

    @Test
    void late_grants_come_out_in_coupon_sn_order_so_the_oldest_is_re_published_first() {
        Map<String, String> ledger = new HashMap<>();
        for (int i = 9; i >= 1; i--) {
            ledger.put("00" + i, (100 + i) + ":1:" + (NOW - 60_000));
        }
        LedgerComparison.Findings f = comparison.compare(9, 0, ledger, Map.of(), List.of(), NOW);
        assertThat(f.late()).extracting(LedgerEntry::couponSn)
                .containsExactly("001", "002", "003", "004", "005", "006", "007", "008", "009");
    }

    @Test
    void a_row_without_ledger_entry_is_reported_not_re_published() {
        LedgerComparison.Findings f = comparison.compare(5, 4, Map.of("001", "10:1:" + (NOW - 60_000)),
                Map.of("10", "1"), List.of(row("001", 10, 1), row("999", 77, 1)), NOW);
        assertThat(f.rowsWithoutLedger()).containsExactly("999");
        assertThat(f.late()).isEmpty();
        assertThat(f.stockBalanced()).as("the row is not counted into the stock").isTrue();
        ReconciliationReport r = report(f, List.of(), List.of());
        assertThat(r.complete()).isFalse();
        assertThat(r.problems()).singleElement().asString().contains("without a ledger entry", "999");
    }

    @Test
    void a_row_with_another_owner_or_seq_is_a_mismatch() {
        Map<String, String> ledger = Map.of("001", "10:1:" + (NOW - 60_000), "002", "11:1:" + (NOW - 60_000));
        LedgerComparison.Findings f = comparison.compare(2, 0, ledger, Map.of("10", "1", "11", "1"),
                List.of(row("001", 99, 1), row("002", 11, 2)), NOW);
        assertThat(f.ownerMismatches()).containsExactly(
                new OwnerMismatch("001", 10, 1, 99, 1), new OwnerMismatch("002", 11, 1, 11, 2));
        assertThat(report(f, List.of(), List.of()).complete()).isFalse();
    }

    @Test
    void stock_that_does_not_balance_is_reported_both_ways() {
        Map<String, String> ledger = Map.of("001", "10:1:" + (NOW - 60_000));
        List<GrantRow> rows = List.of(row("001", 10, 1));
        assertThat(comparison.compare(5, 3, ledger, Map.of("10", "1"), rows, NOW).stockBalanced())
                .as("a unit of stock vanished").isFalse();
        assertThat(comparison.compare(5, 5, ledger, Map.of("10", "1"), rows, NOW).stockBalanced())
                .as("oversold by one").isFalse();
        assertThat(comparison.compare(0, -1, Map.of(), Map.of(), List.of(), NOW).stockBalanced())
                .as("negative stock").isFalse();
    }

    @Test
    void users_hash_entries_without_ledger_entries_and_ledger_users_missing_from_the_hash_are_mismatches() {
        LedgerComparison.Findings f = comparison.compare(3, 2, Map.of("001", "10:1:" + (NOW - 60_000)),
                Map.of("55", "1"), List.of(row("001", 10, 1)), NOW);
        assertThat(f.userCountMismatches()).containsExactly(
                new UserCountMismatch(10, 0, 1), new UserCountMismatch(55, 1, 0));
    }

    @Test
    void unreadable_entries_are_reported_and_never_re_published() {
        LedgerComparison.Findings f = comparison.compare(2, 0, Map.of("001", "garbage", "002", "11:1:" + (NOW - 60_000)),
                Map.of("11", "1", "x", "1"), List.of(row("002", 11, 1)), NOW);
        assertThat(f.malformed()).containsExactlyInAnyOrder("ledger:001=garbage", "users:x=1");
        assertThat(f.late()).isEmpty();
        assertThat(report(f, List.of(), List.of()).complete()).isFalse();
    }

    @Test
    void a_late_grant_the_broker_did_not_take_keeps_the_report_incomplete() {
        LedgerComparison.Findings f = comparison.compare(1, 0, Map.of("001", "10:1:" + (NOW - 60_000)),
                Map.of("10", "1"), List.of(), NOW);
        ReconciliationReport r = report(f, List.of(), List.of("001"));
        assertThat(r.republishFailed().sns()).containsExactly("001");
        assertThat(r.republished().count()).isZero();
        assertThat(r.complete()).isFalse();
    }

    @Test
    void an_empty_started_sale_is_complete() {
        LedgerComparison.Findings f = comparison.compare(100, 100, Map.of(), Map.of(), List.of(), NOW);
        assertThat(report(f, List.of(), List.of()).complete()).isTrue();
    }

    @Test
    void a_grant_recorded_as_conflicting_is_reported_as_a_conflict_and_never_re_published() {
        // Redis forgot user 10's first grant (row 001); the same seat was granted again as 002, which
        // the sink could not write and recorded. 003 is a late grant like any other.
        Map<String, String> ledger = Map.of("002", "10:1:" + (NOW - 60_000), "003", "11:1:" + (NOW - 60_000));
        GrantConflict conflict = GrantConflict.detected("002", "001", A, 10, 1, Instant.ofEpochMilli(NOW - 59_000));
        LedgerComparison.Findings f = comparison.compare(5, 3, ledger, Map.of("10", "1", "11", "1"),
                List.of(row("001", 10, 1)), List.of(conflict), NOW);
        assertThat(f.late()).extracting(LedgerEntry::couponSn).as("only 003 is re-published").containsExactly("003");
        assertThat(f.withinGrace()).isEmpty();
        assertThat(f.openConflicts()).containsExactly(conflict);
        ReconciliationReport r = report(f, List.of("003"), List.of());
        assertThat(r.conflicts().count()).isEqualTo(1);
        assertThat(r.conflicts().items()).containsExactly(new ReconciliationReport.Conflict("002", "001", 10, 1,
                Instant.ofEpochMilli(NOW - 59_000)));
        assertThat(r.complete()).isFalse();
        assertThat(r.problems()).anySatisfy(p -> assertThat(p).startsWith("1 grant(s) not written").contains("002",
                "row 001"));
        assertThat(ReconcileMetrics.classify(r)).as("never heals by itself").isEqualTo(ReconcileMetrics.Result.MISMATCH);
    }

    @Test
    void a_resolved_conflict_is_counted_is_not_re_published_and_lets_the_sale_reconcile_complete() {
        Map<String, String> ledger = Map.of("001", "10:1:" + (NOW - 60_000), "002", "10:2:" + (NOW - 60_000));
        GrantConflict resolved = new GrantConflict("002", "009", A, 10, 2, Instant.ofEpochMilli(NOW - 50_000),
                Instant.ofEpochMilli(NOW - 1_000), "coupon re-issued by support");
        LedgerComparison.Findings f = comparison.compare(5, 3, ledger, Map.of("10", "2"),
                List.of(row("001", 10, 1)), List.of(resolved), NOW);
        ReconciliationReport r = report(f, List.of(), List.of());
        assertThat(f.late()).isEmpty();
        assertThat(r.conflicts().count()).isZero();
        assertThat(r.resolvedConflicts()).isEqualTo(1);
        assertThat(r.complete()).isTrue();
    }

    @Test
    void a_grant_whose_serial_is_another_grants_row_is_both_an_owner_mismatch_and_a_conflict() {
        Map<String, String> ledger = Map.of("001", "10:1:" + (NOW - 60_000));
        GrantConflict taken = GrantConflict.detected("001", "001", A, 10, 1, Instant.ofEpochMilli(NOW - 59_000));
        LedgerComparison.Findings f = comparison.compare(5, 4, ledger, Map.of("10", "1"),
                List.of(row("001", 77, 1)), List.of(taken), NOW);
        assertThat(f.ownerMismatches()).containsExactly(new OwnerMismatch("001", 10, 1, 77, 1));
        assertThat(f.openConflicts()).containsExactly(taken);
        assertThat(taken.snTaken()).isTrue();
        assertThat(f.late()).isEmpty();
    }

    private static GrantRow row(String sn, long user, int seq) {
        return new GrantRow(sn, A, user, seq);
    }

    private static ReconciliationReport report(LedgerComparison.Findings f, List<String> republished, List<String> failed) {
        return f.report(A, ActivityStatus.ACTIVE, Instant.ofEpochMilli(NOW), republished, failed);
    }
}
