package io.flashcoupon.admin;

import io.flashcoupon.core.audit.AuditLog;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.reconcile.GrantConflicts;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.runtime.DaemonThreads;
import io.flashcoupon.core.runtime.FixedDelayJob;
import io.flashcoupon.core.runtime.Infrastructure;
import io.flashcoupon.core.runtime.Lifecycle;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.saga.BranchCredential;
import io.flashcoupon.core.runtime.Readiness;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.core.wallet.SaleRowCounts;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;

/**
 * The HTTP side of a process on server.http-port: with the admin role, the operators' REST API (with
 * the DTM HTTP-mode Saga branches and the order-coupon routes); without it, only /metrics, /healthz
 * and /readyz ({@link OpsServer}), so every process is scraped and probed. Started before the gRPC
 * ingress, so it stops after it: /readyz answers 503 and /metrics is scraped while the grabs drain.
 */
public final class AdminProcess {
    /** How often the per-sale gauges are sampled: a fraction of Prometheus's 5 s scrape in the compose stack. */
    static final long SALE_METERS_MS = 1000;

    private final IntSupplier port;
    private final boolean api;

    private AdminProcess(IntSupplier port, boolean api) {
        this.port = port;
        this.api = api;
    }

    /**
     * Starts the admin API on {@code infra}; {@code reads} is what it reads templates and activities
     * through (and drops after a write here), {@code reconciler} runs on-demand reconciliation and
     * cleanup, re-publishing through the grab's transactional producer; /readyz answers from {@code readiness}.
     */
    public static AdminProcess startApi(Infrastructure infra, Lifecycle lifecycle, FlashSales sales,
            CachedReads reads, Reconciler reconciler, ReconciliationReports reports, CouponBranches branches,
            OrderCoupons orderCoupons, Readiness readiness) {
        ServiceConfig config = infra.config();
        SaleCleanup cleanup = new SaleCleanup(infra.activities(), infra.store(), reconciler, reports, infra.clock());
        AdminAuth auth = AdminAuth.of(config.admin(), BranchCredential.of(config.saga().branchToken()));
        GrantConflicts conflicts = new GrantConflicts(infra.dataSource());
        AdminApi admin = new AdminApi(infra.templates(), infra.activities(), infra.coupons(), sales, reconciler,
                reports, cleanup, lifecycle::ready, infra.clock(), auth, infra.metrics(), reads)
                .readiness(readiness).dtmBranches(branches).orderCoupons(orderCoupons)
                .grantConflicts(conflicts, infra.clock())
                .auditTrail(new AuditLog(infra.dataSource()), auth, infra.templates(), infra.activities(), conflicts,
                        infra.clock());
        admin.start(config.server().host(), config.server().httpPort());
        lifecycle.onStop("admin API", remaining -> admin.stop());
        // per-sale gauges of every live sale (the live view's figures), for Prometheus and Grafana
        SaleMeters saleMeters = new SaleMeters(new ReconciliationReports(infra.dataSource())::activitiesToReconcile,
                id -> infra.activities().find(id).map(new SaleSegments(infra.store())::snapshot)
                        .orElseGet(() -> infra.store().snapshot(id)),
                new SaleRowCounts(infra.dataSource())::materialized, infra.metrics());
        FixedDelayJob saleSampling = new FixedDelayJob("per-sale gauges",
                Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sale-meters")), saleMeters::sample)
                .start(0, SALE_METERS_MS);
        lifecycle.onStop("per-sale gauges", remaining -> saleSampling.close());
        return new AdminProcess(admin::port, true);
    }

    /** Starts only /metrics, /healthz and /readyz, for a process without the admin role. */
    public static AdminProcess startOpsOnly(Infrastructure infra, Lifecycle lifecycle, Readiness readiness) {
        ServiceConfig.Server server = infra.config().server();
        OpsServer ops = new OpsServer(readiness, infra.metrics()).start(server.host(), server.httpPort());
        lifecycle.onStop("metrics/health endpoint", remaining -> ops.stop());
        return new AdminProcess(ops::port, false);
    }

    /** The port the HTTP server listens on. */
    public int port() {
        return port.getAsInt();
    }

    /** Whether the admin REST API is served (else only metrics and health). */
    public boolean servesApi() {
        return api;
    }
}
