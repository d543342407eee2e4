package io.flashcoupon.admin;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.OperationId;
import io.flashcoupon.core.template.TemplateRepository;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * /api/v1/activities: create, list and read flash sales, start, pause, resume, stop and restock
 * them, watch their figures, reconcile them and clean finished ones out of Redis. An activity must
 * name an existing template (400 on template_id otherwise). Every operation on a sale is
 * {@link FlashSales}, shared with the gRPC front end, and answers the activity as stored: an
 * operation its status refuses is a 409 (a second start, resuming an ACTIVE sale, anything on an
 * ENDED one), a restock amount outside 1..10,000,000 a 400. Reconcile answers the report (409 when
 * the sale is not in Redis); cleanup answers 409 with the reason unless the sale is ENDED and
 * reconciles complete. Restock and cleanup take an optional Idempotency-Key: a retry with the same key
 * answers what the first call did (see {@link OperationId}); without one each call is a new operation.
 */
final class ActivityRoutes {
    static final String PATH = "/api/v1/activities";

    private final ActivityRepository activities;
    private final TemplateRepository templates;
    private final FlashSales sales;
    private final Reconciler reconciler;
    private final ReconciliationReports reports;
    private final SaleCleanup cleanup;
    private final CachedReads reads;
    private final ApiJson json;

    ActivityRoutes(ActivityRepository activities, TemplateRepository templates, FlashSales sales, Reconciler reconciler,
            ReconciliationReports reports, SaleCleanup cleanup, CachedReads reads, ApiJson json) {
        this.reads = reads;
        this.activities = activities;
        this.templates = templates;
        this.sales = sales;
        this.reconciler = reconciler;
        this.reports = reports;
        this.cleanup = cleanup;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.post(PATH, this::create);
        routes.get(PATH, this::list);
        routes.get(PATH + "/{id}", this::get);
        routes.post(PATH + "/{id}/start", this::start);
        routes.post(PATH + "/{id}/pause", this::pause);
        routes.post(PATH + "/{id}/resume", this::resume);
        routes.post(PATH + "/{id}/stop", this::stop);
        routes.post(PATH + "/{id}/restock", this::restock);
        routes.get(PATH + "/{id}/status", this::status);
        routes.post(PATH + "/{id}/reconcile", this::reconcile);
        routes.post(PATH + "/{id}/cleanup", this::cleanup);
    }

    void create(Context ctx) {
        Activity a = json.read(ctx.body(), ActivityRequest.class).toActivity();
        if (templates.find(a.templateId()).isEmpty()) {
            throw new InvalidInputException("template_id", "template " + a.templateId() + " does not exist");
        }
        Activity created = activities.insert(a);
        reads.activityChanged().accept(created.id());
        ctx.status(201).json(created);
    }

    void list(Context ctx) {
        PageRequest page = PageRequest.parse(ctx.queryParam(PageRequest.PAGE_SIZE), ctx.queryParam(PageRequest.PAGE_TOKEN));
        PageRequest.Page<Activity> result = page.page(activities.list(page.beforeId(), page.fetchLimit()), Activity::id);
        ctx.json(new ActivityPage(result.items(), result.nextPageToken()));
    }

    void get(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        ctx.json(reads.activity().apply(id)
                .orElseThrow(() -> new NotFoundException("activity " + id + " does not exist")));
    }

    void start(Context ctx) {
        ctx.json(sales.start(id(ctx)));
    }

    void pause(Context ctx) {
        ctx.json(sales.pause(id(ctx)));
    }

    void resume(Context ctx) {
        ctx.json(sales.resume(id(ctx)));
    }

    void stop(Context ctx) {
        ctx.json(sales.stop(id(ctx)));
    }

    void restock(Context ctx) {
        long id = id(ctx);
        long amount = json.read(ctx.body(), RestockRequest.class).requiredAmount();
        ctx.json(sales.restock(id, amount, operation(ctx)));
    }

    /** The operator's Idempotency-Key, or a fresh operation id per call when none is given. */
    private static OperationId operation(Context ctx) {
        return OperationId.givenOrFresh(OperationId.HEADER, ctx.header(OperationId.HEADER));
    }

    private static long id(Context ctx) {
        return Params.positiveId("id", ctx.pathParam("id"));
    }

    void status(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        FlashSales.SaleStatus s = sales.status(id);
        Optional<ReconciliationReports.Stored> latest = reports.find(id);
        ctx.json(new StatusReply(s.activity(), s.activity().totalCount(), s.remaining(), s.granted(), s.materialized(),
                latest.map(ReconciliationReports.Stored::report).orElse(null),
                latest.map(ReconciliationReports.Stored::cleanedAt).orElse(null)));
    }

    void reconcile(Context ctx) {
        ctx.json(reconciler.reconcile(Params.positiveId("id", ctx.pathParam("id"))));
    }

    void cleanup(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        ctx.json(cleanup.cleanup(id, operation(ctx)));
    }

    /** GET /api/v1/activities reply. */
    record ActivityPage(List<Activity> activities, String nextPageToken) {}

    /**
     * GET /api/v1/activities/{id}/status reply; remaining is null before the sale is in Redis (and
     * after cleanup), reconciliation is the latest report (null before the first run), cleaned_at
     * when the sale was removed from Redis.
     */
    record StatusReply(Activity activity, long total, Long remaining, long granted, long materialized,
            ReconciliationReport reconciliation, Instant cleanedAt) {}
}
