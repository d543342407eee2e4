package io.flashcoupon.topology.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.reconcile.LedgerComparison;
import io.flashcoupon.core.reconcile.ReconcileMetrics;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.SaleFigures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReconcileJobTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ReconcileMetrics metrics = new ReconcileMetrics(registry);
    private final AtomicLong now = new AtomicLong(1_000_000);
    /** What the figures reader answers per sale; a sale absent here reads as not in Redis. */
    private final Map<Long, SaleFigures> figures = new HashMap<>();

    /** A report whose figures are total/remaining with an empty ledger and no rows. */
    private static ReconciliationReport report(long id, long total, long remaining) {
        return new LedgerComparison(0).compare(total, remaining, Map.of(), Map.of(), List.of(), 0)
                .report(id, ActivityStatus.ACTIVE, Instant.EPOCH, List.of(), List.of());
    }

    private ReconcileJob job(List<Long> sales, io.flashcoupon.core.reconcile.Reconciler reconciler) {
        return new ReconcileJob(() -> sales, reconciler, id -> Optional.ofNullable(figures.get(id)), metrics, null,
                1_000, 60_000, now::get);
    }

    /** A job over sale 7, which reconciles complete at 100 of 100 left; {@code asked} records each full run. */
    private ReconcileJob completeSale7(List<Long> asked) {
        figures.put(7L, new SaleFigures(ActivityStatus.ACTIVE, 100, 100, 0, 0));
        return job(List.of(7L), id -> {
            asked.add(id);
            return report(id, 100, 100);
        });
    }

    private double unchangedRuns() {
        return registry.get("coupon.reconciliation.runs").tag("result", "unchanged").counter().count();
    }

    @Test
    void a_failing_sale_does_not_stop_the_others_of_the_run() {
        List<Long> asked = new ArrayList<>();
        ReconcileJob job = job(List.of(1L, 2L, 3L, 4L), id -> {
            asked.add(id);
            if (id == 2) {
                throw new ConflictException("the sale of activity 2 is not in Redis");
            }
            if (id == 3) {
                throw new DataAccessException("MySQL went away", null);
            }
            return report(id, 0, 0);
        });
        assertThat(job.runOnce()).isEqualTo(2);
        assertThat(asked).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void a_run_with_nothing_to_reconcile_does_nothing() {
        ReconcileJob job = job(List.of(), id -> {
            throw new AssertionError("nothing to reconcile");
        });
        assertThat(job.runOnce()).isZero();
    }

    @Test
    void a_complete_sale_whose_figures_did_not_move_is_not_compared_again_until_the_recheck_is_due() {
        List<Long> asked = new ArrayList<>();
        ReconcileJob job = completeSale7(asked);

        assertThat(job.runOnce()).isOne();
        now.addAndGet(30_000);
        assertThat(job.runOnce()).as("unchanged since the complete run").isZero();
        assertThat(unchangedRuns()).isEqualTo(1.0);
        now.addAndGet(30_000);
        assertThat(job.runOnce()).as("the recheck is due 60 s after the complete run").isOne();
        assertThat(asked).containsExactly(7L, 7L);
    }

    @Test
    void a_sale_whose_figures_moved_or_that_left_redis_is_compared_in_full() {
        List<Long> asked = new ArrayList<>();
        ReconcileJob job = completeSale7(asked);
        job.runOnce();

        figures.put(7L, new SaleFigures(ActivityStatus.ACTIVE, 100, 99, 1, 0)); // a grant landed
        assertThat(job.runOnce()).isOne();
        figures.put(7L, new SaleFigures(ActivityStatus.PAUSED, 100, 100, 0, 0)); // paused
        assertThat(job.runOnce()).isOne();
        figures.remove(7L); // no longer in Redis: let the reconciler say so
        assertThat(job.runOnce()).isOne();
        assertThat(asked).hasSize(4);
        assertThat(unchangedRuns()).isZero();
    }

    @Test
    void a_sale_that_did_not_reconcile_complete_is_compared_every_run() {
        List<Long> asked = new ArrayList<>();
        ReconcileJob job = job(List.of(7L), id -> {
            asked.add(id);
            return report(id, 100, 99); // stock does not balance
        });
        figures.put(7L, new SaleFigures(ActivityStatus.ACTIVE, 100, 99, 0, 0));
        job.runOnce();
        job.runOnce();
        job.runOnce();
        assertThat(asked).hasSize(3);
        assertThat(unchangedRuns()).isZero();
    }

    @Test
    void a_sale_that_failed_after_a_complete_run_is_compared_again() {
        List<Long> asked = new ArrayList<>();
        boolean[] fail = {false};
        ReconcileJob job = job(List.of(7L), id -> {
            asked.add(id);
            if (fail[0]) {
                throw new DataAccessException("MySQL went away", null);
            }
            return report(id, 100, 100);
        });
        figures.put(7L, new SaleFigures(ActivityStatus.ACTIVE, 100, 100, 0, 0));
        job.runOnce();
        figures.put(7L, new SaleFigures(ActivityStatus.ACTIVE, 100, 99, 1, 1));
        fail[0] = true;
        job.runOnce();
        fail[0] = false;
        figures.put(7L, new SaleFigures(ActivityStatus.ACTIVE, 100, 100, 0, 0)); // back to the old figures
        assertThat(job.runOnce()).as("a failure forgets the settled figures").isOne();
        assertThat(asked).hasSize(3);
    }
}
