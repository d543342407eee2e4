package io.flashcoupon.core.reconcile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What reconciliation finds, for alerting (docs/operations.md): runs by result, grants re-published,
 * and how many sales this process last saw in mismatch. A run is {@code complete} when everything
 * adds up; {@code pending} when only grants in flight or late (re-published) stand between it and
 * complete, which heals by itself; {@code mismatch} when something is reported and never fixed
 * (stock not balanced, rows without ledger entries, owner or per-user count differences, unreadable
 * entries, open grant conflicts). The gauge counts sales whose latest run in this process was a mismatch, so it falls back
 * once a later run is clean; with several instances take the max over them.
 */
public final class ReconcileMetrics {
    /** One help text for both results (Prometheus shows one per name). */
    private static final String REPUBLISHED_HELP = "late grants (ledger entry, no row after the grace) whose event was"
            + " committed again (result=ok) or that the broker did not take, retried next run (result=failed)";
    /**
     * Label {@code result} of coupon_reconciliation_runs_total. UNCHANGED: a periodic run found the
     * sale's figures as its last complete run left them and did not compare it again (ReconcileJob).
     */
    public enum Result { COMPLETE, PENDING, MISMATCH, UNCHANGED }

    private final Map<Result, Counter> runs = new EnumMap<>(Result.class);
    private final Counter republished;
    private final Counter republishFailed;
    private final Map<Long, Boolean> mismatched = new ConcurrentHashMap<>();

    public ReconcileMetrics(MeterRegistry registry) {
        for (Result r : Result.values()) {
            runs.put(r, Counter.builder("coupon.reconciliation.runs")
                    .tag("result", r.name().toLowerCase(Locale.ROOT))
                    .description("reconciliation runs of one sale by what they found")
                    .register(registry));
        }
        republished = Counter.builder("coupon.reconciliation.republished").tag("result", "ok")
                .description(REPUBLISHED_HELP).register(registry);
        republishFailed = Counter.builder("coupon.reconciliation.republished").tag("result", "failed")
                .description(REPUBLISHED_HELP)
                .register(registry);
        Gauge.builder("coupon.reconciliation.mismatched.sales", mismatched, Map::size)
                .strongReference(true)
                .description("sales whose latest reconciliation in this process reported a mismatch")
                .register(registry);
    }

    /** The result class of {@code r}. */
    public static Result classify(ReconciliationReport r) {
        if (!r.stockBalanced() || r.rowsWithoutLedger().count() > 0 || r.ownerMismatches().count() > 0
                || r.userCountMismatches().count() > 0 || r.malformed().count() > 0 || r.conflicts().count() > 0
                || (r.healed() != null && r.healed().oversoldBy() > 0)) {
            return Result.MISMATCH;
        }
        return r.complete() ? Result.COMPLETE : Result.PENDING;
    }

    /** A periodic run skipped a sale that is unchanged since its last complete run. */
    public void unchanged() {
        runs.get(Result.UNCHANGED).increment();
    }

    void recorded(ReconciliationReport r) {
        Result result = classify(r);
        runs.get(result).increment();
        republished.increment(r.republished().count());
        republishFailed.increment(r.republishFailed().count());
        if (result == Result.MISMATCH) {
            mismatched.put(r.activityId(), Boolean.TRUE);
        } else {
            mismatched.remove(r.activityId());
        }
    }
}
