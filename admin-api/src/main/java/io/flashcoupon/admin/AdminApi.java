package io.flashcoupon.admin;

import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.audit.AuditLog;
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
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

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
    private static final Set<HandlerType> ENDPOINT_METHODS = Set.of(HandlerType.GET, HandlerType.POST,
            HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);

    private final ApiJson json;
    private final HealthRoutes health;
    private final PrometheusMeterRegistry metrics;
    private final AdminAuth auth;
    /** Each group of routes, registered in this order when the app is built (Javalin 7 takes routes upfront). */
    private final List<Consumer<RoutesConfig>> routeGroups = new ArrayList<>();
    private volatile UndeclaredMethods undeclared;
    private final Set<String> routes = Collections.synchronizedSet(new TreeSet<>());
    private Javalin app;

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
        this.metrics = metrics;
        this.auth = auth;
        routeGroups.add(new TemplateRoutes(templates, reads, json, clock)::register);
        routeGroups.add(new ActivityRoutes(activities, templates, sales, reconciler, reports, cleanup, reads, json)::register);
        LiveSampler sampler = metrics == null
                ? new LiveSampler(null, System::nanoTime)
                : new LiveSampler(new GrabMeterReader(metrics)::read, metrics.config().clock()::monotonicTime);
        routeGroups.add(new LiveRoutes(sales, reports, sampler, clock)::register);
        routeGroups.add(new UiRoutes()::register);
        routeGroups.add(new WalletRoutes(coupons)::register);
        health = new HealthRoutes(Readiness.flagOnly(ready)::report);
        routeGroups.add(health::register);
        if (metrics != null) {
            routeGroups.add(new MetricsRoutes(metrics)::register);
        }
    }

    /** The app with every route group added so far; built once, on first use (start, routes, tests). */
    synchronized Javalin app() {
        if (app == null) {
            app = Javalin.create(config -> {
                config.startup.showJavalinBanner = false;
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
                config.events.handlerAdded(h -> {
                    if (ENDPOINT_METHODS.contains(h.getHttpMethod())) {
                        routes.add(h.getHttpMethod().name() + " " + h.getPath());
                    }
                });
                ErrorMapping.install(config.routes);
                config.routes.before(this::refuseUndeclaredMethod);
                config.routes.before(auth::check);
                routeGroups.forEach(group -> group.accept(config.routes));
            });
            synchronized (routes) {
                undeclared = UndeclaredMethods.of(Set.copyOf(routes)); // every route is known once the app is built
            }
        }
        return app;
    }

    /** Adds a group of routes; Javalin 7 takes every route before the app is built. */
    private synchronized AdminApi add(Consumer<RoutesConfig> group) {
        if (app != null) {
            throw new IllegalStateException("routes are added before the admin API is built (start, routes)");
        }
        routeGroups.add(group);
        return this;
    }

    /** 405 with Allow for a method the path does not declare; before auth, as the methods are public. */
    private void refuseUndeclaredMethod(Context ctx) {
        String allow = undeclared.refusal(ctx.req().getMethod(), ctx.path());
        if (allow != null) {
            throw new UndeclaredMethods.MethodNotAllowedException(ctx.req().getMethod(), ctx.path(), allow);
        }
    }

    /** Every endpoint registered, as "METHOD /path" with Javalin's {param} syntax (also OpenAPI's). */
    public Set<String> routes() {
        app();
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
        return add(new DtmBranchRoutes(branches, json)::register);
    }

    /**
     * Adds GET /api/v1/activities/{id}/conflicts and POST .../conflicts/{coupon_sn}/resolve, the grant
     * conflicts the sink recorded (call before {@link #start}).
     */
    public AdminApi grantConflicts(GrantConflicts conflicts, Clock clock) {
        return add(new ConflictRoutes(conflicts, json, clock)::register);
    }

    /**
     * Records every mutating operator call in {@code log}, done or refused ({@link AuditTrail}), and adds
     * GET /api/v1/audit to read it ({@link AuditRoutes}) (call before {@link #start}).
     */
    public AdminApi auditTrail(AuditLog log, AdminAuth auth, TemplateRepository templates,
            ActivityRepository activities, GrantConflicts conflicts, Clock clock) {
        add(new AuditTrail(auth, new AuditStates(templates, activities, conflicts, json.mapper()),
                log == null ? null : log::append, clock, json.mapper())::register);
        return add(new AuditRoutes(log)::register);
    }

    /** Adds POST /api/v1/users/{user_id}/coupons/available and /calculate (call before {@link #start}). */
    public AdminApi orderCoupons(OrderCoupons orders) {
        return add(new OrderCouponRoutes(orders, json)::register);
    }

    /** Starts listening; port 0 picks a free port (see {@link #port()}). */
    public AdminApi start(String host, int port) {
        app().start(host, port);
        return this;
    }

    /** The port the server listens on. */
    public int port() {
        return app().port();
    }

    public synchronized void stop() {
        if (app != null) {
            app.stop();
        }
    }
}
