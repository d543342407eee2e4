package io.flashcoupon.core.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.wallet.GrantRow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconcileMetricsTest {
    private static final long NOW = 1_800_000_000_000L;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ReconcileMetrics metrics = new ReconcileMetrics(registry);
    private final LedgerComparison comparison = new LedgerComparison(10_000);

    private ReconciliationReport run(long activity, long total, long remaining, Map<String, String> ledger,
            Map<String, String> users, List<GrantRow> rows, List<String> republished) {
        return comparison.compare(total, remaining, ledger, users, rows, NOW)
                .report(activity, ActivityStatus.ACTIVE, Instant.ofEpochMilli(NOW), republished, List.of());
    }

    private double runs(String result) {
        return registry.get("coupon.reconciliation.runs").tag("result", result).counter().count();
    }

    private double mismatchedSales() {
        return registry.get("coupon.reconciliation.mismatched.sales").gauge().value();
    }

    @Test
    void runs_are_counted_as_complete_pending_or_mismatch_and_the_gauge_follows_each_sales_latest_run() {
        Map<String, String> ledger = Map.of("001", "10:1:" + (NOW - 60_000));
        ReconciliationReport complete = run(1, 5, 4, ledger, Map.of("10", "1"), List.of(new GrantRow("001", 1, 10, 1)), List.of());
        ReconciliationReport late = run(2, 5, 4, ledger, Map.of("10", "1"), List.of(), List.of("001"));
        ReconciliationReport rowWithoutLedger = run(3, 5, 5, Map.of(), Map.of(), List.of(new GrantRow("009", 3, 10, 1)), List.of());
        assertThat(ReconcileMetrics.classify(complete)).isEqualTo(ReconcileMetrics.Result.COMPLETE);
        assertThat(ReconcileMetrics.classify(late)).isEqualTo(ReconcileMetrics.Result.PENDING);
        assertThat(ReconcileMetrics.classify(rowWithoutLedger)).isEqualTo(ReconcileMetrics.Result.MISMATCH);
        ReconciliationReport unbalanced = run(4, 5, 5, ledger, Map.of("10", "1"), List.of(new GrantRow("001", 4, 10, 1)), List.of());
        assertThat(ReconcileMetrics.classify(unbalanced)).as("5 != 5 + 1").isEqualTo(ReconcileMetrics.Result.MISMATCH);

        metrics.recorded(complete);
        metrics.recorded(late);
        metrics.recorded(rowWithoutLedger);
        metrics.recorded(unbalanced);
        assertThat(runs("complete")).isEqualTo(1);
        assertThat(runs("pending")).isEqualTo(1);
        assertThat(runs("mismatch")).isEqualTo(2);
        assertThat(registry.get("coupon.reconciliation.republished").tag("result", "ok").counter().count()).isEqualTo(1);
        assertThat(mismatchedSales()).isEqualTo(2);

        metrics.recorded(run(3, 5, 5, Map.of(), Map.of(), List.of(), List.of()));
        assertThat(mismatchedSales()).as("sale 3 reconciles clean now").isEqualTo(1);
        metrics.recorded(unbalanced);
        assertThat(mismatchedSales()).as("a sale counts once").isEqualTo(1);
    }
}
