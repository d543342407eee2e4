package io.flashcoupon.admin;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.flashcoupon.core.audit.AuditLog;
import io.flashcoupon.core.audit.AuditRecord;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;

/**
 * GET /api/v1/audit (role read): the audit trail newest first, filtered and paged as
 * {@link AuditFilter} says; before and after are the target's states as JSON (null when none).
 */
final class AuditRoutes {
    static final String PATH = "/api/v1/audit";

    private final AuditLog log;

    AuditRoutes(AuditLog log) {
        this.log = log;
    }

    void register(RoutesConfig routes) {
        routes.get(PATH, this::list);
    }

    void list(Context ctx) {
        AuditFilter.Parsed parsed = AuditFilter.parse(ctx.queryParamMap());
        PageRequest.Page<AuditRecord> page = parsed.page().page(log.list(parsed.query()), AuditRecord::id);
        ctx.json(new AuditPage(page.items().stream().map(Entry::of).toList(), page.nextPageToken()));
    }

    /** One record as the API shows it. */
    record Entry(long id, Instant at, long atMs, String actorName, String actorRole, String action, String targetType,
            String targetId, String requestId, String outcome, Integer httpStatus, String reason,
            @JsonRawValue String before, @JsonRawValue String after) {
        static Entry of(AuditRecord r) {
            return new Entry(r.id(), Instant.ofEpochMilli(r.atMs()), r.atMs(), r.actorName(), r.actorRole(), r.action(),
                    r.targetType(), r.targetId(), r.requestId(), r.outcome().name(), r.httpStatus(), r.reason(),
                    r.before(), r.after());
        }
    }

    /** GET /api/v1/audit reply. */
    record AuditPage(List<Entry> entries, String nextPageToken) {}
}
