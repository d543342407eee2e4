package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.audit.AuditRecord;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.saga.BranchCredential;
import io.flashcoupon.core.template.TemplateRepository;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The audit trail over a stand-in API (routes at the audited paths that answer or refuse at will),
 * recording into a list: what is recorded for done, refused and unauthorised calls, and that a record
 * that cannot be stored turns a done call's answer into a 500 saying so. No database (the states are
 * null over {@link EmptyDatabase}); AuditLogIT covers the stored rows with their states.
 */
class AuditTrailTest {
    private static final String OPERATE_TOKEN = "audit-operate-token-0123456789";
    private static final String READ_TOKEN = "audit-read-token-0123456789";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

    private final List<AuditRecord> stored = new CopyOnWriteArrayList<>();

    private void run(UnaryOperator<AuditRecord> store, TestServer.Body test) {
        run(EmptyDatabase.empty(), store, test);
    }

    /** {@code activityRows}: where the states of activities are read from. */
    private void run(DataSource activityRows, UnaryOperator<AuditRecord> store, TestServer.Body test) {
        ApiJson json = new ApiJson(ApiJson.newMapper());
        AdminAuth auth = AdminAuth.of(new ServiceConfig.Admin(List.of(READ_TOKEN), List.of(OPERATE_TOKEN), false,
                List.of("dashboard"), List.of("alice")), BranchCredential.of("audit-branch-token-0123456789"));
        AuditTrail trail = new AuditTrail(auth, new AuditStates(new TemplateRepository(EmptyDatabase.empty()),
                new ActivityRepository(activityRows), null, json.mapper()), store, CLOCK, json.mapper());
        Javalin app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jsonMapper(new JavalinJackson(json.mapper(), false));
            ErrorMapping.install(c.routes);
            c.routes.before(auth::check);
            trail.register(c.routes);
            c.routes.post(ActivityRoutes.PATH, ctx -> ctx.status(201).json(Map.of("id", 42)));
            c.routes.post(ActivityRoutes.PATH + "/{id}/start", ctx -> {
                if (ctx.pathParam("id").equals("2")) {
                    throw new ConflictException("activity 2 was already started (status ENDED)");
                }
                ctx.json(Map.of("id", 1, "status", "ACTIVE"));
            });
        });
        TestServer.test(app, test);
    }

    private AuditRecord only() {
        assertThat(stored).hasSize(1);
        return stored.get(0);
    }

    private UnaryOperator<AuditRecord> toList() {
        return r -> {
            stored.add(r);
            return r.withId(stored.size());
        };
    }

    @Test
    void a_done_call_is_recorded_with_the_token_name_and_the_request_id_given() {
        run(toList(), client -> {
            {
                HttpResponse<String> r = post(client, "/api/v1/activities/1/start", OPERATE_TOKEN, "req-123");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue(AuditTrail.REQUEST_ID).orElse(null)).isEqualTo("req-123");
            }
            AuditRecord a = only();
            assertThat(a).extracting(AuditRecord::actorName, AuditRecord::actorRole, AuditRecord::action,
                    AuditRecord::targetType, AuditRecord::targetId, AuditRecord::requestId, AuditRecord::outcome,
                    AuditRecord::httpStatus, AuditRecord::reason, AuditRecord::atMs)
                    .containsExactly("alice", "operate", "activity.start", "activity", "1", "req-123",
                            AuditRecord.Outcome.DONE, 200, null, CLOCK.millis());
        });
    }

    @Test
    void a_refused_call_is_recorded_with_its_status_and_reason_and_a_generated_request_id() {
        run(toList(), client -> {
            String answered;
            {
                HttpResponse<String> r = post(client, "/api/v1/activities/2/start", OPERATE_TOKEN, null);
                assertThat(r.statusCode()).isEqualTo(409);
                answered = r.headers().firstValue(AuditTrail.REQUEST_ID).orElse(null);
            }
            AuditRecord a = only();
            assertThat(answered).hasSize(36).isEqualTo(a.requestId());
            assertThat(a.outcome()).isEqualTo(AuditRecord.Outcome.REFUSED);
            assertThat(a.httpStatus()).isEqualTo(409);
            assertThat(a.reason()).isEqualTo("activity 2 was already started (status ENDED)");
        });
    }

    @Test
    void a_read_tokens_attempt_is_recorded_as_refused_and_an_unknown_token_is_not() {
        run(toList(), client -> {
            {
                HttpResponse<String> r = post(client, "/api/v1/activities/1/start", READ_TOKEN, "r-1");
                assertThat(r.statusCode()).isEqualTo(403);
                assertThat(r.headers().firstValue(AuditTrail.REQUEST_ID).orElse(null)).isEqualTo("r-1");
            }
            {
                HttpResponse<String> r = post(client, "/api/v1/activities/1/start", "not-a-known-token-0123456789", null);
                assertThat(r.statusCode()).isEqualTo(401);
            }
            AuditRecord a = only();
            assertThat(a).extracting(AuditRecord::actorName, AuditRecord::actorRole, AuditRecord::outcome,
                    AuditRecord::httpStatus).containsExactly("dashboard", "read", AuditRecord.Outcome.REFUSED, 403);
            assertThat(a.reason()).contains("needs a token of role operate");
        });
    }

    @Test
    void a_create_is_recorded_under_the_id_it_answered() {
        run(toList(), client -> {
            {
                HttpResponse<String> r = post(client, "/api/v1/activities", OPERATE_TOKEN, null);
                assertThat(r.statusCode()).isEqualTo(201);
            }
            assertThat(only()).extracting(AuditRecord::action, AuditRecord::targetId)
                    .containsExactly("activity.create", "42");
        });
    }

    @Test
    void a_done_call_whose_record_cannot_be_stored_answers_500_saying_it_was_done() {
        run(r -> {
            throw new IllegalStateException("audit_log is gone");
        }, client -> {
            {
                HttpResponse<String> r = post(client, "/api/v1/activities/1/start", OPERATE_TOKEN, "req-9");
                assertThat(r.statusCode()).isEqualTo(500);
                assertThat(r.body()).contains("activity.start on activity 1 was DONE, but its audit record"
                        + " could not be stored").contains("req-9");
            }
        });
    }

    @Test
    void a_done_call_whose_state_after_cannot_be_read_is_still_recorded() {
        // the state before is read, then MySQL goes away before the state after is
        AtomicInteger connections = new AtomicInteger();
        DataSource rows = EmptyDatabase.empty();
        DataSource down = EmptyDatabase.unreachable();
        DataSource goesAway = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (self, method, args) -> {
                    boolean after = method.getName().equals("getConnection") && connections.incrementAndGet() > 1;
                    try {
                        return method.invoke(after ? down : rows, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        run(goesAway, toList(), client -> {
            {
                HttpResponse<String> r = post(client, "/api/v1/activities/1/start", OPERATE_TOKEN, "req-7");
                assertThat(r.statusCode()).isEqualTo(200);
            }
            assertThat(only()).extracting(AuditRecord::action, AuditRecord::targetId, AuditRecord::outcome,
                    AuditRecord::requestId, AuditRecord::after)
                    .containsExactly("activity.start", "1", AuditRecord.Outcome.DONE, "req-7", null);
        });
    }

    private static HttpResponse<String> post(TestServer.Client client, String path, String token, String requestId) {
        return requestId == null
                ? client.request("POST", path, "{}", "Authorization", "Bearer " + token)
                : client.request("POST", path, "{}", "Authorization", "Bearer " + token, AuditTrail.REQUEST_ID,
                        requestId);
    }
}
