package io.flashcoupon.ingress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.flashcoupon.core.audit.AuditRecord;
import io.flashcoupon.core.auth.AdminTokens;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an operator's RPC ({@link AuditedRpc}) for the caller {@link AdminRpcGate} admitted and records
 * it in the audit trail, done or refused, before its answer leaves - the admin REST API's rules
 * (its AuditTrail): a read token is refused PERMISSION_DENIED before anything changes, and recorded;
 * the record names the token (never shows it), its role, the action, the target, the request id, the
 * outcome with the HTTP status the REST API answers for the same outcome ({@link RpcErrors#httpStatus})
 * and, when refused, {@code "<gRPC code>: <description>"} as the reason; before and after are the
 * target's row read from MySQL, as JSON in the REST API's wire format (snake_case, ISO-8601 instants).
 * When a DONE record cannot be stored the call answers INTERNAL saying the action was DONE but not
 * recorded (docs/decisions.md "Audit log"); a refusal that cannot be stored keeps its own status. Runs on
 * the admin executor (JDBC), never on a transport thread. A call that reached here without the gate's
 * caller (a server built without it) is refused UNAUTHENTICATED: operators' RPCs are never open.
 */
final class AdminRpcAudit {
    private static final Logger log = LoggerFactory.getLogger(AdminRpcAudit.class);

    private final UnaryOperator<AuditRecord> store;
    private final LongFunction<Optional<?>> activities;
    private final LongFunction<Optional<?>> templates;
    private final Clock clock;
    private final ObjectMapper json = JsonMapper.builder().addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    /**
     * {@code store} keeps a record or throws (AuditLog::append); {@code activities} and {@code templates}
     * read a target's row by id (the repositories' find).
     */
    AdminRpcAudit(UnaryOperator<AuditRecord> store, LongFunction<Optional<?>> activities,
            LongFunction<Optional<?>> templates, Clock clock) {
        this.store = store;
        this.activities = activities;
        this.templates = templates;
        this.clock = clock;
    }

    /**
     * Runs {@code body} as {@code rpc} on {@code targetId} (0 for a create: {@code createdId} reads the
     * new id from the answer) and returns its answer, or throws the status the call answers.
     */
    <T> T run(AuditedRpc rpc, long targetId, Supplier<T> body, Function<T, Long> createdId) {
        AdminTokens.Caller caller = AdminRpcGate.CALLER.get();
        String requestId = AdminRpcGate.REQUEST_ID.get();
        if (caller == null || requestId == null) {
            throw Status.UNAUTHENTICATED.withDescription(AdminRpcGate.unauthenticated(rpc)).asRuntimeException();
        }
        if (!caller.may(AdminTokens.Role.OPERATE)) {
            StatusRuntimeException denied = Status.PERMISSION_DENIED.withDescription(rpc.rpcName()
                    + " needs a token of role operate (" + AdminTokens.tokensKey(AdminTokens.Role.OPERATE)
                    + "); the token given may only read").asRuntimeException();
            String state = state(rpc, targetId);
            refused(rpc, caller, requestId, targetId, denied, state);
            throw denied;
        }
        String before = state(rpc, targetId);
        T answer;
        try {
            answer = body.get();
        } catch (RuntimeException e) {
            StatusRuntimeException status = RpcErrors.status(e);
            refused(rpc, caller, requestId, targetId, status, before);
            throw status;
        }
        long id = targetId > 0 ? targetId : createdId.apply(answer);
        AuditRecord r = record(rpc, caller, requestId, id, AuditRecord.Outcome.DONE, 200, null, before, state(rpc, id));
        try {
            store.apply(r);
        } catch (RuntimeException e) {
            log.error("{} was done but its audit record was not stored", rpc.rpcName());
            throw Status.INTERNAL.withDescription(rpc.action() + " on " + rpc.targetType() + " " + id + " was DONE,"
                    + " but its audit record could not be stored; read the " + rpc.targetType()
                    + " before repeating it (request id " + requestId + ")").asRuntimeException();
        }
        return answer;
    }

    private void refused(AuditedRpc rpc, AdminTokens.Caller caller, String requestId, long targetId,
            StatusRuntimeException status, String state) {
        Status s = status.getStatus();
        String reason = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
        try {
            store.apply(record(rpc, caller, requestId, targetId, AuditRecord.Outcome.REFUSED,
                    RpcErrors.httpStatus(s.getCode()), reason, state, state));
        } catch (RuntimeException e) {
            log.error("{} was refused and its audit record was not stored", rpc.rpcName());
        }
    }

    private AuditRecord record(AuditedRpc rpc, AdminTokens.Caller caller, String requestId, long targetId,
            AuditRecord.Outcome outcome, int status, String reason, String before, String after) {
        return new AuditRecord(0, clock.millis(), caller.name(), caller.role().label(), rpc.action(),
                rpc.targetType(), targetId > 0 ? Long.toString(targetId) : null, requestId, outcome, status, reason,
                before, after);
    }

    /** The target's row as JSON; null for no id, no such row, or when it cannot be read (logged). */
    private String state(AuditedRpc rpc, long id) {
        if (id <= 0) {
            return null;
        }
        try {
            Optional<?> row = ("activity".equals(rpc.targetType()) ? activities : templates).apply(id);
            return row.isEmpty() ? null : json.writeValueAsString(row.get());
        } catch (JsonProcessingException | RuntimeException e) {
            log.warn("the state of {} {} could not be read for the audit record: {}", rpc.targetType(), id, e.toString());
            return null;
        }
    }
}
