package io.flashcoupon.admin;

import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;

/**
 * /api/v1/templates: create, list, read and fully replace coupon templates. A template is stored
 * only when it passes every rule, so a 400 leaves the table untouched. Known gap: PUT replaces a
 * template even while activities sell it; the started sales keep the copy they took at start.
 */
final class TemplateRoutes {
    static final String PATH = "/api/v1/templates";

    private final TemplateRepository templates;
    private final CachedReads reads;
    private final ApiJson json;
    private final Clock clock;

    TemplateRoutes(TemplateRepository templates, CachedReads reads, ApiJson json, Clock clock) {
        this.templates = templates;
        this.reads = reads;
        this.json = json;
        this.clock = clock;
    }

    void register(RoutesConfig routes) {
        routes.post(PATH, this::create);
        routes.get(PATH, this::list);
        routes.get(PATH + "/{id}", this::get);
        routes.put(PATH + "/{id}", this::replace);
    }

    void create(Context ctx) {
        Template t = json.read(ctx.body(), TemplateRequest.class).toTemplate(clock.instant());
        Template created = templates.insert(t);
        reads.templateChanged().accept(created.id());
        ctx.status(201).json(created);
    }

    void list(Context ctx) {
        TemplateStatus status = Params.optionalEnum("status", ctx.queryParam("status"), TemplateStatus.class);
        PageRequest page = PageRequest.parse(ctx.queryParam(PageRequest.PAGE_SIZE), ctx.queryParam(PageRequest.PAGE_TOKEN));
        PageRequest.Page<Template> result =
                page.page(templates.list(status, page.beforeId(), page.fetchLimit()), Template::id);
        ctx.json(new TemplatePage(result.items(), result.nextPageToken()));
    }

    void get(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        ctx.json(reads.template().apply(id).orElseThrow(() -> notFound(id)));
    }

    void replace(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        Template t = json.read(ctx.body(), TemplateRequest.class).toTemplate(clock.instant());
        Template updated = templates.update(id, t).orElseThrow(() -> notFound(id));
        reads.templateChanged().accept(id);
        ctx.json(updated);
    }

    private static NotFoundException notFound(long id) {
        return new NotFoundException("template " + id + " does not exist");
    }

    /** GET /api/v1/templates reply. */
    record TemplatePage(List<Template> templates, String nextPageToken) {}
}
