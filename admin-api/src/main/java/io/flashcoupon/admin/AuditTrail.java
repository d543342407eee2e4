package io.flashcoupon.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.audit.AuditRecord;
import io.flashcoupon.core.auth.AdminTokens;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every {@link AuditedCall} in the audit trail, done or refused, before its answer leaves:
 * a before-handler (after {@link AdminAuth#check}) notes the caller, the request id and the target's
 * state; an after-handler (which runs after the error mapping too) stores the outcome with the state
 * after. A call refused by the token check is recorded when the token is known (403: a read token on
 * an operate route); a missing or unknown token (401) names nobody and is not.
 *
 * <p>Every audited call answers {@code X-Request-Id}: the caller's (1 to 128 printable characters),
 * else a generated one. When a DONE record cannot be stored, the answer becomes a 500 that says the
 * action was done but not recorded (docs/decisions.md "Audit log"); the record is in the ERROR line.
 */
final class AuditTrail {
    static final String REQUEST_ID = "X-Request-Id";
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final String PENDING = AuditTrail.class.getName() + ".pending";
    private static final Pattern GOOD_REQUEST_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");

    private final AdminAuth auth;
    private final AuditStates states;
    private final UnaryOperator<AuditRecord> store;
    private final Clock clock;
    private final ObjectMapper mapper;

    /** {@code store} keeps a record and returns it stored, or throws (AuditLog::append). */
    AuditTrail(AdminAuth auth, AuditStates states, UnaryOperator<AuditRecord> store, Clock clock,
            ObjectMapper mapper) {
        this.auth = auth;
        this.states = states;
        this.store = store;
        this.clock = clock;
        this.mapper = mapper;
    }

    /** Adds the two handlers; register after the token check's before-handler. */
    void register(RoutesConfig routes) {
        routes.before(this::begin);
        routes.after(this::finish);
    }

    private record Pending(AuditedCall call, AdminTokens.Caller caller, String requestId, String before) {}

    void begin(Context ctx) {
        AuditedCall call = AuditedCall.of(ctx.method(), ctx.path());
        if (call == null) {
            return;
        }
        AdminTokens.Caller caller = auth.callerOf(ctx.header("Authorization"));
        String requestId = requestId(ctx);
        ctx.attribute(PENDING, new Pending(call, caller, requestId, states.of(call.targetType(), call.targetId())));
    }

    void finish(Context ctx) {
        Pending p = ctx.attribute(PENDING);
        if (p == null) { // refused before begin ran: by the token check
            AuditedCall call = AuditedCall.of(ctx.method(), ctx.path());
            AdminTokens.Caller caller = call == null ? null : auth.callerOf(ctx.header("Authorization"));
            if (caller == null) {
                return;
            }
            p = new Pending(call, caller, requestId(ctx), null);
        }
        int status = ctx.status().getCode();
        String body = status >= 300 || p.call().targetId() == null ? ctx.result() : null;
        boolean done = status >= 200 && status < 300;
        AuditedCall call = p.call().targetId() == null && done ? p.call().withTargetId(field(body, "id")) : p.call();
        String after = done ? stateAfter(ctx, call) : p.before();
        AdminTokens.Caller caller = p.caller();
        AuditRecord r = new AuditRecord(0, clock.millis(), caller.name(), caller.role().label(),
                call.action(), call.targetType(), call.targetId(), p.requestId(),
                done ? AuditRecord.Outcome.DONE : AuditRecord.Outcome.REFUSED, status,
                done ? null : field(body, "message"), p.before(), after);
        try {
            store.apply(r);
        } catch (RuntimeException e) {
            if (done) {
                log.error("{} {} was done but its audit record was not stored", ctx.method(), ctx.path());
                ErrorMapping.reply(ctx, ApiError.INTERNAL, call.action() + " on " + call.targetType() + " "
                        + call.targetId() + " was DONE, but its audit record could not be stored; read the "
                        + call.targetType() + " before repeating it (request id " + p.requestId() + ")");
            } else {
                log.error("{} {} was refused and its audit record was not stored", ctx.method(), ctx.path());
            }
        }
    }

    /**
     * The target's state after a done call; null when it cannot be read (MySQL went away after the
     * change): the record is stored without it rather than lost behind a generic 500.
     */
    private String stateAfter(Context ctx, AuditedCall call) {
        try {
            return states.of(call.targetType(), call.targetId());
        } catch (RuntimeException e) {
            log.error("{} {} was done; the state after could not be read, its audit record is stored without it",
                    ctx.method(), ctx.path(), e);
            return null;
        }
    }

    private String requestId(Context ctx) {
        String given = ctx.header(REQUEST_ID);
        String id = given != null && GOOD_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
        ctx.header(REQUEST_ID, id);
        return id;
    }

    /** A top-level text or number field of a JSON answer; null when absent or not JSON. */
    private String field(String body, String name) {
        if (body == null || body.isEmpty()) {
            return null;
        }
        try {
            JsonNode v = mapper.readTree(body).get(name);
            return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
        } catch (Exception e) {
            return null;
        }
    }
}
