package io.flashcoupon.admin;

import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.reconcile.GrantConflicts;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.runtime.Readiness;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * The operators' REST API: templates, activities (create, start, pause, resume, stop, restock,
 * status, live figures, reconcile, cleanup, grant conflicts), wallets, the DTM Saga branches (HTTP mode) and the health
 * probes, JSON only (see {@link ApiJson} for the wire rules and {@link ErrorMapping} for errors); the live
 * dashboard and the OpenAPI description with its browsable UI ({@link UiRoutes}). Every request passes
 * {@link AdminAuth} first. Every route registered on the app is recorded in {@link #routes()}, which
 * OpenApiSpecTest compares with openapi.json.
 * Built with its collaborators by the process's Main; {@code start(host, 0)} picks a free port.
 * Known gap: stop() closes the server without draining in-flight requests.
 */
public final class AdminApi {
    private static final Set<HandlerType> ENDPOINT_METHODS = EnumSet.of(HandlerType.GET, HandlerType.POST,
            HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);

    private final Javalin app;
    private final ApiJson json;
    private final HealthRoutes health;
    private volatile UndeclaredMethods undeclared;
    private final Set<String> routes = Collections.synchronizedSet(new TreeSet<>());

    /**
     * Without GET /metrics (the live figures then have no process meters), reading templates and
     * activities straight from MySQL.
     */
    public AdminApi(TemplateRepository templates, ActivityRepository activities, UserCouponRepository coupons,
            FlashSales sales, Reconciler reconciler, ReconciliationReports reports, SaleCleanup cleanup,
            BooleanSupplier ready, Clock clock, AdminAuth auth) {
        this(templates, activities, coupons, sales, reconciler, reports, cleanup, ready, clock, auth, null,
                CachedReads.direct(templates, activities));
    }

    /**
     * {@code metrics} is served at GET /metrics and feeds the live figures (null: no such route);
     * {@code reads} serves GET of one template or activity and learns of writes made here.
     */
    public AdminApi(TemplateRepository templates, ActivityRepository activities, UserCouponRepository coupons,
            FlashSales sales, Reconciler reconciler, ReconciliationReports reports, SaleCleanup cleanup,
            BooleanSupplier ready, Clock clock, AdminAuth auth, PrometheusMeterRegistry metrics, CachedReads reads) {
        this.json = new ApiJson(ApiJson.newMapper());
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            if (metrics != null) {
                HttpMetrics.install(config, metrics);
            }
            config.jsonMapper(new JavalinJackson(json.mapper(), false));
            JettyJsonErrors jettyErrors = new JettyJsonErrors(json.mapper());
            config.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(jettyErrors));
            config.staticFiles.add(files -> {
                files.hostedPath = "/ui";
                files.directory = UiRoutes.ASSETS;
                files.location = Location.CLASSPATH;
            });
            config.staticFiles.enableWebjars();
            config.events(events -> events.handlerAdded(h -> {
                if (ENDPOINT_METHODS.contains(h.getHttpMethod())) {
                    routes.add(h.getHttpMethod().name() + " " + h.getPath());
                }
            }));
        });
        ErrorMapping.install(app);
        app.before(this::refuseUndeclaredMethod);
        app.before(auth::check);
        new TemplateRoutes(templates, reads, json, clock).register(app);
        new ActivityRoutes(activities, templates, sales, reconciler, reports, cleanup, reads, json).register(app);
        LiveSampler sampler = metrics == null
                ? new LiveSampler(null, System::nanoTime)
                : new LiveSampler(new GrabMeterReader(metrics)::read, metrics.config().clock()::monotonicTime);
        new LiveRoutes(sales, reports, sampler, clock).register(app);
        new UiRoutes().register(app);
        new WalletRoutes(coupons).register(app);
        health = new HealthRoutes(Readiness.flagOnly(ready)::report);
        health.register(app);
        if (metrics != null) {
            new MetricsRoutes(metrics).register(app);
        }
    }

    /** 405 with Allow for a method the path does not declare; before auth, as the methods are public. */
    private void refuseUndeclaredMethod(Context ctx) {
        UndeclaredMethods methods = undeclared;
        if (methods == null) { // routes are all added before start; built on the first request
            methods = UndeclaredMethods.of(routes());
            undeclared = methods;
        }
        String allow = methods.refusal(ctx.req().getMethod(), ctx.path());
        if (allow != null) {
            throw new UndeclaredMethods.MethodNotAllowedException(ctx.req().getMethod(), ctx.path(), allow);
        }
    }

    /** Every endpoint registered, as "METHOD /path" with Javalin's {param} syntax (also OpenAPI's). */
    public Set<String> routes() {
        synchronized (routes) {
            return Set.copyOf(routes);
        }
    }

    /**
     * /readyz answers from {@code readiness} (the dependencies' checks) rather than the lifecycle flag
     * given at construction (call before {@link #start}).
     */
    public AdminApi readiness(Readiness readiness) {
        health.readiness(readiness::report);
        return this;
    }

    /** Adds the DTM HTTP-mode Saga branches under /api/v1/dtm/ (call before {@link #start}). */
    public AdminApi dtmBranches(CouponBranches branches) {
        new DtmBranchRoutes(branches, json).register(app);
        return this;
    }

    /**
     * Adds GET /api/v1/activities/{id}/conflicts and POST .../conflicts/{coupon_sn}/resolve, the grant
     * conflicts the sink recorded (call before {@link #start}).
     */
    public AdminApi grantConflicts(GrantConflicts conflicts, Clock clock) {
        new ConflictRoutes(conflicts, json, clock).register(app);
        return this;
    }

    /** Adds POST /api/v1/users/{user_id}/coupons/available and /calculate (call before {@link #start}). */
    public AdminApi orderCoupons(OrderCoupons orders) {
        new OrderCouponRoutes(orders, json).register(app);
        return this;
    }

    /** The app as built, not started: lets AdminApiTest drive it in-process with JavalinTest. */
    Javalin app() {
        return app;
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
