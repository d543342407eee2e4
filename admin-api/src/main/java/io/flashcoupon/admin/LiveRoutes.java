package io.flashcoupon.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.sale.FlashSales;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * GET /api/v1/activities/{id}/live: everything the dashboard shows of one sale, in one reply it
 * polls every second. Sale figures are cluster-wide (Redis stock and ledger, MySQL rows, the latest
 * stored reconciliation); grants_per_second is the ledger's growth over the last ~5 s, so it counts
 * grants of every ingress instance. The {@code process} block is this process's ingress meters
 * (all sales together, as /metrics has them): answers other than granted and repeated per second by
 * code, and the p99 grab latency over the same window; it is null in a process without them or on
 * the very first poll.
 *
 * <p>A reply is reused for {@link #REUSE} by every viewer of the sale (concurrent polls wait for one
 * computation): it costs a MySQL COUNT over the sale's rows (150-300 ms for a 1M-coupon sale on this
 * machine), which must not grow with the number of open dashboards. A write to the activity through
 * this API (start, pause, restock, reconcile, ...) drops it, so the next poll shows the change.
 */
final class LiveRoutes {
    static final Duration REUSE = Duration.ofMillis(500);

    private final Cache<Long, LiveReply> replies = Caffeine.newBuilder().expireAfterWrite(REUSE)
            .maximumSize(10_000).build();
    private final FlashSales sales;
    private final ReconciliationReports reports;
    private final LiveSampler sampler;
    private final Clock clock;

    LiveRoutes(FlashSales sales, ReconciliationReports reports, LiveSampler sampler, Clock clock) {
        this.sales = sales;
        this.reports = reports;
        this.sampler = sampler;
        this.clock = clock;
    }

    void register(RoutesConfig routes) {
        routes.get(ActivityRoutes.PATH + "/{id}/live", this::live);
        routes.after(ActivityRoutes.PATH + "/{id}/*", ctx -> {
            if (ctx.method() == HandlerType.POST) {
                forget(ctx.pathParam("id"));
            }
        });
    }

    void live(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        ctx.json(replies.get(id, this::reply));
    }

    private void forget(String id) {
        try {
            replies.invalidate(Long.parseLong(id));
        } catch (NumberFormatException notAnId) {
            // the route answered 400; nothing was cached under it
        }
    }

    private LiveReply reply(long id) {
        FlashSales.SaleStatus s = sales.status(id);
        LiveSampler.Rate grants = sampler.grants(id, s.granted());
        MeterWindow w = sampler.meters();
        Optional<ReconciliationReports.Stored> latest = reports.find(id);
        return new LiveReply(clock.instant(), s.activity(), s.activity().totalCount(), s.remaining(), s.granted(),
                s.materialized(), Math.max(0, s.granted() - s.materialized()), grants.perSecond(), grants.seconds(),
                w == null ? null : process(w),
                latest.map(st -> Reconciliation.of(st.report())).orElse(null),
                latest.map(ReconciliationReports.Stored::cleanedAt).orElse(null));
    }

    private static ProcessMeters process(MeterWindow w) {
        Map<String, Double> perSecond = new TreeMap<>(w.perSecond());
        Map<String, Long> counts = new TreeMap<>(w.inWindow());
        for (String notARejection : List.of("granted", "repeated")) {
            perSecond.remove(notARejection);
            counts.remove(notARejection);
        }
        return new ProcessMeters(w.seconds(), w.perSecond().get("granted"), perSecond, counts, w.p99Ms(), w.p99Above());
    }

    /**
     * The reply. remaining is null before the sale is in Redis and after cleanup; lag = granted
     * (ledger) - materialized (user_coupons rows), the grants the topology has not written yet;
     * grants_per_second is null until two polls are apart.
     */
    record LiveReply(Instant at, Activity activity, long total, Long remaining, long granted, long materialized,
            long lag, Double grantsPerSecond, double grantsWindowSeconds, ProcessMeters process,
            Reconciliation reconciliation, Instant cleanedAt) {}

    /**
     * This process's grab answers over the last window (all sales): granted per second, every
     * refusal code per second and counted, the p99 latency in ms (null without grabs; p99_above =
     * beyond the largest histogram bucket, which is then given).
     */
    record ProcessMeters(double windowSeconds, Double grantedPerSecond, Map<String, Double> rejectionsPerSecond,
            Map<String, Long> rejections, Double p99Ms, boolean p99Above) {}

    /** The latest reconciliation in brief: when, whether it all adds up, and what does not. */
    record Reconciliation(Instant ranAt, boolean complete, boolean stockBalanced, long ledgerSize, long rows,
            List<String> problems) {
        static Reconciliation of(ReconciliationReport r) {
            return new Reconciliation(r.ranAt(), r.complete(), r.stockBalanced(), r.ledgerSize(), r.rows(),
                    r.problems());
        }
    }
}
