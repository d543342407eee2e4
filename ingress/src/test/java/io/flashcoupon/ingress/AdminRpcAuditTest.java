package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.audit.AuditRecord;
import io.flashcoupon.core.auth.AdminTokens;
import io.flashcoupon.core.db.DataAccessException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The operators' RPCs are refused for a read token before they run, and every outcome is recorded. */
class AdminRpcAuditTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
    static final AdminTokens.Caller ALICE = new AdminTokens.Caller("alice", AdminTokens.Role.OPERATE);
    static final AdminTokens.Caller READER = new AdminTokens.Caller("reader", AdminTokens.Role.READ);

    record Row(long id, String status, Instant startTime) {}

    final List<AuditRecord> stored = new CopyOnWriteArrayList<>();
    final Map<Long, Row> activities = new HashMap<>(Map.of(7L, new Row(7, "PENDING", Instant.parse("2026-03-01T09:00:00Z"))));
    boolean storeFails;
    final AdminRpcAudit audit = new AdminRpcAudit(r -> {
        if (storeFails) {
            throw new DataAccessException("audit_log down", null);
        }
        stored.add(r);
        return r;
    }, id -> Optional.ofNullable(activities.get(id)), id -> Optional.empty(), CLOCK);

    <T> T as(AdminTokens.Caller caller, String requestId, Supplier<T> call) {
        Context ctx = Context.current();
        if (caller != null) {
            ctx = ctx.withValue(AdminRpcGate.CALLER, caller).withValue(AdminRpcGate.REQUEST_ID, requestId);
        }
        Context previous = ctx.attach();
        try {
            return call.get();
        } finally {
            ctx.detach(previous);
        }
    }

    Long start(long id) {
        activities.put(id, new Row(id, "RUNNING", activities.get(id).startTime()));
        return id;
    }

    @Test
    void an_operate_token_runs_the_call_and_it_is_recorded_done_with_before_and_after() {
        Long answer = as(ALICE, "req-1", () -> audit.run(AuditedRpc.START_FLASH_SALE, 7, () -> start(7), a -> a));
        assertThat(answer).isEqualTo(7L);
        assertThat(stored).singleElement().satisfies(r -> {
            assertThat(r.actorName()).isEqualTo("alice");
            assertThat(r.actorRole()).isEqualTo("operate");
            assertThat(r.action()).isEqualTo("activity.start");
            assertThat(r.targetType()).isEqualTo("activity");
            assertThat(r.targetId()).isEqualTo("7");
            assertThat(r.requestId()).isEqualTo("req-1");
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.DONE);
            assertThat(r.httpStatus()).isEqualTo(200);
            assertThat(r.reason()).isNull();
            assertThat(r.atMs()).isEqualTo(CLOCK.millis());
            assertThat(r.before()).contains("\"status\":\"PENDING\"").contains("\"start_time\":\"2026-03-01T09:00:00Z\"");
            assertThat(r.after()).contains("\"status\":\"RUNNING\"");
        });
    }

    @Test
    void a_read_token_is_refused_permission_denied_before_the_call_runs_and_recorded() {
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> as(READER, "req-2", () -> audit.run(AuditedRpc.START_FLASH_SALE, 7, () -> {
            ran.set(true);
            return start(7);
        }, a -> a))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains("role operate").contains("admin.operate-tokens");
        });
        assertThat(ran).isFalse();
        assertThat(activities.get(7L).status()).isEqualTo("PENDING");
        assertThat(stored).singleElement().satisfies(r -> {
            assertThat(r.actorName()).isEqualTo("reader");
            assertThat(r.actorRole()).isEqualTo("read");
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.REFUSED);
            assertThat(r.httpStatus()).isEqualTo(403);
            assertThat(r.reason()).startsWith("PERMISSION_DENIED: StartFlashSale needs a token of role operate");
            assertThat(r.before()).isEqualTo(r.after()).contains("PENDING");
        });
    }

    @Test
    void a_refusal_by_the_service_is_recorded_with_its_status_and_reason() {
        assertThatThrownBy(() -> as(ALICE, "req-3", () -> audit.run(AuditedRpc.START_FLASH_SALE, 7, () -> {
            throw new ConflictException("activity 7 is RUNNING");
        }, a -> 0L))).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThat(stored).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.REFUSED);
            assertThat(r.httpStatus()).isEqualTo(409);
            assertThat(r.reason()).isEqualTo("FAILED_PRECONDITION: activity 7 is RUNNING");
        });
    }

    @Test
    void a_create_is_recorded_under_the_id_its_answer_gives() {
        as(ALICE, "req-4", () -> audit.run(AuditedRpc.CREATE_TEMPLATE, 0, () -> 12L, a -> a));
        assertThat(stored).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo("template.create");
            assertThat(r.targetType()).isEqualTo("template");
            assertThat(r.targetId()).isEqualTo("12");
            assertThat(r.before()).isNull();
        });
    }

    @Test
    void a_done_call_whose_record_cannot_be_stored_answers_internal_saying_it_was_done() {
        storeFails = true;
        assertThatThrownBy(() -> as(ALICE, "req-5", () -> audit.run(AuditedRpc.START_FLASH_SALE, 7, () -> start(7),
                a -> a))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                    assertThat(e.getStatus().getDescription()).contains("activity.start on activity 7 was DONE")
                            .contains("request id req-5");
                });
        assertThat(activities.get(7L).status()).isEqualTo("RUNNING");
    }

    @Test
    void a_refused_call_whose_record_cannot_be_stored_keeps_its_own_status() {
        storeFails = true;
        assertThatThrownBy(() -> as(READER, "req-6", () -> audit.run(AuditedRpc.START_FLASH_SALE, 7, () -> start(7),
                a -> a))).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void without_the_gate_s_caller_nothing_runs_and_nothing_is_recorded() {
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> as(null, null, () -> audit.run(AuditedRpc.UPDATE_TEMPLATE, 3, () -> {
            ran.set(true);
            return 3L;
        }, a -> a))).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(ran).isFalse();
        assertThat(stored).isEmpty();
    }

    @Test
    void grpc_codes_are_stored_as_the_http_status_the_rest_api_answers() {
        assertThat(RpcErrors.httpStatus(Status.Code.OK)).isEqualTo(200);
        assertThat(RpcErrors.httpStatus(Status.Code.INVALID_ARGUMENT)).isEqualTo(400);
        assertThat(RpcErrors.httpStatus(Status.Code.PERMISSION_DENIED)).isEqualTo(403);
        assertThat(RpcErrors.httpStatus(Status.Code.NOT_FOUND)).isEqualTo(404);
        assertThat(RpcErrors.httpStatus(Status.Code.FAILED_PRECONDITION)).isEqualTo(409);
        assertThat(RpcErrors.httpStatus(Status.Code.UNAVAILABLE)).isEqualTo(503);
        assertThat(RpcErrors.httpStatus(Status.Code.INTERNAL)).isEqualTo(500);
    }
}
