package io.flashcoupon.admin;

import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * The operators' REST API: templates, activities (create, start, pause, resume, stop, restock,
 * status, reconcile, cleanup), wallets, the DTM Saga branches (HTTP mode) and the health probes, JSON only (see {@link ApiJson} for
 * the wire rules and {@link ErrorMapping} for errors).
 * Built with its collaborators by the process's Main; {@code start(host, 0)} picks a free port.
 * Known gap: stop() closes the server without draining in-flight requests.
 */
public final class AdminApi {
    private final Javalin app;
    private final ApiJson json;

    /** Without GET /metrics. */
    public AdminApi(TemplateRepository templates, ActivityRepository activities, UserCouponRepository coupons,
            FlashSales sales, Reconciler reconciler, ReconciliationReports reports, SaleCleanup cleanup,
            BooleanSupplier ready, Clock clock) {
        this(templates, activities, coupons, sales, reconciler, reports, cleanup, ready, clock, null);
    }

    /** {@code metrics} is served at GET /metrics; null: no such route. */
    public AdminApi(TemplateRepository templates, ActivityRepository activities, UserCouponRepository coupons,
            FlashSales sales, Reconciler reconciler, ReconciliationReports reports, SaleCleanup cleanup,
            BooleanSupplier ready, Clock clock, PrometheusMeterRegistry metrics) {
        this.json = new ApiJson(ApiJson.newMapper());
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jsonMapper(new JavalinJackson(json.mapper(), false));
            JettyJsonErrors jettyErrors = new JettyJsonErrors(json.mapper());
            config.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(jettyErrors));
        });
        ErrorMapping.install(app);
        new TemplateRoutes(templates, json, clock).register(app);
        new ActivityRoutes(activities, templates, sales, reconciler, reports, cleanup, json).register(app);
        new WalletRoutes(coupons).register(app);
        new HealthRoutes(ready).register(app);
        if (metrics != null) {
            new MetricsRoutes(metrics).register(app);
        }
    }

    /** Adds the DTM HTTP-mode Saga branches under /api/v1/dtm/ (call before {@link #start}). */
    public AdminApi dtmBranches(CouponBranches branches) {
        new DtmBranchRoutes(branches, json).register(app);
        return this;
    }

    /** Adds POST /api/v1/users/{user_id}/coupons/available and /calculate (call before {@link #start}). */
    public AdminApi orderCoupons(OrderCoupons orders) {
        new OrderCouponRoutes(orders, json).register(app);
        return this;
    }

    /** Starts listening; port 0 picks a free port (see {@link #port()}). */
    public AdminApi start(String host, int port) {
        app.start(host, port);
        return this;
    }

    /** The port the server listens on. */
    public int port() {
        return app.port();
    }

    public void stop() {
        app.stop();
    }
}
