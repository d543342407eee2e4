package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.reconcile.GrantConflicts;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.ReconciliationReport.Sample;
import io.flashcoupon.core.reconcile.ReconciliationReport.SnSample;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.DiscountEngine;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The admin API's HTTP boundary in-process with TestServer (a free port, no MariaDB, Redis or
 * broker): which status and which JSON body every kind of failure is answered with, what each token
 * may do, and one success per route family, in a few seconds. The API is built as the service builds
 * it, over {@link EmptyDatabase} (every query finds nothing); the cached reads of one template and
 * one activity, the reconciler and readiness are stubs. Creating rows, the sale lifecycle in Redis
 * and the DTM branches' effects need stored data and stay in AdminApiIT.
 */
class AdminApiTest {
    private static final String READ_TOKEN = "unit-read-token-0123456789";
    private static final String OPERATE_TOKEN = "unit-operate-token-0123456789";
    private static final String BRANCH_TOKEN = "unit-saga-branch-token-0123456789";
    private static final io.flashcoupon.core.saga.BranchCredential BRANCH =
            io.flashcoupon.core.saga.BranchCredential.of(BRANCH_TOKEN);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2030-01-15T08:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    /** The one template and the one activity the cached reads know. */
    private static final long TEMPLATE_ID = 11;
    private static final long ACTIVITY_ID = 21;
    /** An activity the reconciler refuses: its sale is not in Redis. */
    private static final long NOT_IN_REDIS_ID = 22;
    private static final long UNKNOWN_ID = 999;

    private static final String DTM_QUERY = "?trans_type=saga&gid=unit-gid-1&branch_id=01&op=action";
    private static final String ORDER_ITEMS =
            "[{\"goods_id\":1,\"category_id\":2,\"quantity\":1,\"unit_price_cents\":5000}]";

    private final Template template = new Template(TEMPLATE_ID, "five off twenty", CouponType.FULL_CUT, 500, 0, 2000,
            null, 100, 1, Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2030-02-01T00:00:00Z"), null,
            List.of(), List.of(), List.of(), List.of(), TemplateStatus.PUBLISHED, NOW, NOW);
    private final Activity activity = new Activity(ACTIVITY_ID, TEMPLATE_ID, "morning sale", 100,
            NOW.minusSeconds(3600), NOW.plusSeconds(3600), 1, ActivityStatus.ACTIVE);
    private final AtomicBoolean ready = new AtomicBoolean(true);
    /** Activity ids the reconciler was asked for: a refused request must not reach it. */
    private final List<Long> reconciled = new CopyOnWriteArrayList<>();

    // ------------------------------------------------------------------ access

    @Test
    void a_request_without_a_token_is_401_with_a_bearer_challenge() {
        run(client -> {
            Reply r = send(client, "GET", "/api/v1/templates", null, null);

            assertThat(r.status).isEqualTo(401);
            assertThat(r.wwwAuthenticate).isEqualTo("Bearer realm=\"coupon-admin\"");
            assertThat(r.body).isEqualTo("{\"error\":\"unauthenticated\",\"message\":\"this route needs"
                    + " 'Authorization: Bearer <token>' with a token of role read"
                    + " (admin.read-tokens or admin.operate-tokens)\"}");
        });
    }

    @Test
    void unknown_or_malformed_tokens_are_401_and_the_route_never_runs() {
        run(client -> {
            for (String authorization : new String[] {"Bearer not-a-configured-token-0123",
                    "Bearer " + OPERATE_TOKEN + "x", "Bearer ", "Basic " + OPERATE_TOKEN, OPERATE_TOKEN}) {
                Reply r = sendRaw(client, "POST", "/api/v1/activities/" + ACTIVITY_ID + "/reconcile", authorization,
                        "");

                assertThat(r.status).as(authorization).isEqualTo(401);
                assertThat(r.json().get("error").asText()).isEqualTo("unauthenticated");
                assertThat(r.json().get("message").asText()).contains("role operate (admin.operate-tokens)");
            }
            assertThat(reconciled).isEmpty();
        });
    }

    @Test
    void a_read_token_reads_but_is_403_on_a_mutation_and_no_admin_token_opens_a_dtm_route() {
        run(client -> {
            Reply read = send(client, "GET", "/api/v1/activities/" + ACTIVITY_ID, READ_TOKEN, null);
            assertThat(read.status).isEqualTo(200);

            Reply mutation = send(client, "POST", "/api/v1/activities/" + ACTIVITY_ID + "/reconcile", READ_TOKEN, "");
            Reply dtmRead = send(client, "GET", "/api/v1/dtm/lock", READ_TOKEN, null);
            Reply dtmOperate = send(client, "POST", "/api/v1/dtm/revert" + DTM_QUERY, OPERATE_TOKEN,
                    "{\"user_id\":7,\"coupon_id\":8,\"order_sn\":\"o-1\"}");

            assertThat(mutation.status).isEqualTo(403);
            assertThat(mutation.body).isEqualTo("{\"error\":\"permission_denied\",\"message\":\"this route needs a token"
                    + " of role operate (admin.operate-tokens); the token given may only read\"}");
            assertThat(mutation.wwwAuthenticate).as("no challenge: the token was recognised").isNull();
            assertThat(reconciled).as("a refused request changes nothing").isEmpty();
            assertThat(dtmRead.status).as("GET is no method of a branch").isEqualTo(405);
            assertThat(dtmOperate.status).as("only DTM's saga.branch-token opens the branches").isEqualTo(401);
            assertThat(dtmOperate.json().get("error").asText()).isEqualTo("unauthenticated");
            assertThat(dtmOperate.body).contains("saga.branch-token").doesNotContain(BRANCH_TOKEN);

            // the credential is per Saga: another gid's value, the bare secret and a call without a gid are refused
            String body = "{\"user_id\":7,\"coupon_id\":8,\"order_sn\":\"o-1\"}";
            Reply otherSaga = sendRaw(client, "POST", "/api/v1/dtm/revert" + DTM_QUERY, BRANCH.forSaga("unit-gid-2"), body);
            Reply bareSecret = send(client, "POST", "/api/v1/dtm/revert" + DTM_QUERY, BRANCH_TOKEN, body);
            Reply noGid = sendRaw(client, "POST", "/api/v1/dtm/revert?trans_type=saga&branch_id=01&op=action",
                    BRANCH.forSaga("unit-gid-1"), body);
            for (Reply r : List.of(otherSaga, bareSecret, noGid)) {
                assertThat(r.status).as(r.body).isEqualTo(401);
                assertThat(r.json().get("error").asText()).isEqualTo("unauthenticated");
            }
            assertThat(reconciled).isEmpty();
        });
    }

    @Test
    void probes_metrics_the_description_and_the_dashboard_need_no_token() {
        run(client -> {
            for (String path : new String[] {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs",
                    "/dashboard"}) {
                assertThat(send(client, "GET", path, null, null).status).as(path).isEqualTo(200);
            }
        });
    }

    // ------------------------------------------------------------------ 400: input the API refuses

    @Test
    void malformed_json_is_a_400_naming_the_field_it_broke_in_without_echoing_the_parser() {
        run(client -> {
            Reply truncated = send(client, "POST", "/api/v1/templates", OPERATE_TOKEN, "{\"name\":");
            Reply notAnObject = send(client, "POST", "/api/v1/templates", OPERATE_TOKEN, "[1,2]");
            Reply empty = send(client, "POST", "/api/v1/templates", OPERATE_TOKEN, "");

            assertThat(truncated.status).isEqualTo(400);
            assertThat(truncated.json().get("error").asText()).isEqualTo("invalid_argument");
            assertThat(truncated.fields()).containsExactly("name");
            assertThat(truncated.body).doesNotContainIgnoringCase("jackson").doesNotContain("end-of-input");
            assertThat(notAnObject.status).isEqualTo(400);
            assertThat(notAnObject.fields()).containsExactly("body");
            assertThat(empty.body).isEqualTo("{\"error\":\"invalid_argument\",\"message\":\"body must be a JSON object\","
                    + "\"fields\":[{\"field\":\"body\",\"message\":\"must be a JSON object\"}]}");
        });
    }

    @Test
    void a_field_of_the_wrong_type_or_an_unknown_field_is_a_400_naming_it() {
        run(client -> {
            Reply fractional = send(client, "POST", "/api/v1/templates", OPERATE_TOKEN, """
                    {"name":"n","type":"FULL_CUT","discount_amount_cents":4.99,"total_count":5,"valid_days":7}""");
            Reply unknownEnum = send(client, "POST", "/api/v1/templates", OPERATE_TOKEN,
                    "{\"name\":\"n\",\"type\":\"HALF_PRICE\",\"total_count\":5,\"valid_days\":7}");
            Reply unknownField = send(client, "POST", "/api/v1/templates", OPERATE_TOKEN,
                    "{\"name\":\"n\",\"type\":\"FULL_CUT\",\"total_count\":5,\"valid_days\":7,\"color\":\"red\"}");
            Reply quotedAmount = send(client, "POST", "/api/v1/activities/" + ACTIVITY_ID + "/restock", OPERATE_TOKEN,
                    "{\"amount\":\"5\"}");

            assertThat(fractional.status).isEqualTo(400);
            assertThat(fractional.fields()).containsExactly("discount_amount_cents");
            assertThat(fractional.json().get("message").asText())
                    .isEqualTo("discount_amount_cents must be an integer number of cents");
            assertThat(unknownEnum.fields()).containsExactly("type");
            assertThat(unknownEnum.json().get("message").asText())
                    .isEqualTo("type must be one of FULL_CUT, PERCENT_OFF, FREE_SHIPPING");
            assertThat(unknownField.fields()).containsExactly("color");
            assertThat(quotedAmount.status).isEqualTo(400);
            assertThat(quotedAmount.fields()).containsExactly("amount");
        });
    }

    @Test
    void a_path_id_that_is_not_a_positive_integer_is_a_400_naming_it() {
        run(client -> {
            Reply word = send(client, "GET", "/api/v1/templates/abc", READ_TOKEN, null);
            Reply zero = send(client, "POST", "/api/v1/activities/0/start", OPERATE_TOKEN, "");
            Reply user = send(client, "GET", "/api/v1/users/me/coupons", READ_TOKEN, null);

            assertThat(word.status).isEqualTo(400);
            assertThat(word.body).isEqualTo("{\"error\":\"invalid_argument\",\"message\":\"id must be a positive integer\","
                    + "\"fields\":[{\"field\":\"id\",\"message\":\"must be a positive integer\"}]}");
            assertThat(zero.status).isEqualTo(400);
            assertThat(zero.fields()).containsExactly("id");
            assertThat(user.status).isEqualTo(400);
            assertThat(user.fields()).containsExactly("user_id");
        });
    }

    @Test
    void bad_paging_parameters_are_400s_naming_them() {
        run(client -> {
            Reply token = send(client, "GET", "/api/v1/templates?page_token=abc", READ_TOKEN, null);
            Reply negativeToken = send(client, "GET", "/api/v1/activities?page_token=-5", READ_TOKEN, null);
            Reply tooBig = send(client, "GET", "/api/v1/users/7/coupons?page_size=201", READ_TOKEN, null);
            Reply zero = send(client, "GET", "/api/v1/templates?page_size=0", READ_TOKEN, null);

            assertThat(token.status).isEqualTo(400);
            assertThat(token.fields()).containsExactly("page_token");
            assertThat(negativeToken.fields()).containsExactly("page_token");
            assertThat(tooBig.status).isEqualTo(400);
            assertThat(tooBig.json().get("message").asText()).isEqualTo("page_size must be between 1 and 200");
            assertThat(zero.fields()).containsExactly("page_size");
        });
    }

    @Test
    void an_unknown_status_filter_is_a_400_listing_the_allowed_values() {
        run(client -> {
            Reply templates = send(client, "GET", "/api/v1/templates?status=SOMETIMES", READ_TOKEN, null);
            Reply wallet = send(client, "GET", "/api/v1/users/7/coupons?status=unused", READ_TOKEN, null);

            assertThat(templates.status).isEqualTo(400);
            assertThat(templates.json().get("message").asText())
                    .isEqualTo("status must be one of DRAFT, PUBLISHED, DISABLED");
            assertThat(wallet.status).as("names are exact, not case-insensitive").isEqualTo(400);
            assertThat(wallet.fields()).containsExactly("status");
            assertThat(wallet.json().get("message").asText())
                    .isEqualTo("status must be one of UNUSED, LOCKED, USED, EXPIRED");
        });
    }

    @Test
    void a_restock_amount_out_of_range_is_a_400_on_amount_before_the_sale_is_read() {
        run(client -> {
            Reply r = send(client, "POST", "/api/v1/activities/" + UNKNOWN_ID + "/restock", OPERATE_TOKEN,
                    "{\"amount\":0}");

            assertThat(r.status).isEqualTo(400);
            assertThat(r.fields()).containsExactly("amount");
            assertThat(r.json().get("message").asText()).isEqualTo("amount must be between 1 and 10000000, was 0");
        });
    }

    @Test
    void a_malformed_idempotency_key_is_a_400_naming_it_before_the_sale_is_read() {
        run(client -> {
            for (String op : new String[] {"restock", "cleanup"}) {
                String path = "/api/v1/activities/" + UNKNOWN_ID + "/" + op;
                String body = op.equals("restock") ? "{\"amount\":5}" : "";
                Reply bad = sendWithKey(client, path, "two words", body);
                Reply tooLong = sendWithKey(client, path, "k".repeat(65), body);
                Reply good = sendWithKey(client, path, "op-" + op + "-1", body);

                assertThat(bad.status).as(op).isEqualTo(400);
                assertThat(bad.fields()).containsExactly("Idempotency-Key");
                assertThat(bad.json().get("message").asText()).isEqualTo(
                        "Idempotency-Key must be 1 to 64 characters of letters, digits, '-', '_', '.' or ':'");
                assertThat(tooLong.status).as(op).isEqualTo(400);
                assertThat(good.status).as("%s: a valid key goes on to the sale", op).isEqualTo(404);
            }
        });
    }

    @Test
    void an_activity_of_a_template_that_does_not_exist_is_a_400_on_template_id() {
        run(client -> {
            Reply r = send(client, "POST", "/api/v1/activities", OPERATE_TOKEN, """
                    {"template_id":%d,"name":"unit sale","total_count":10,
                     "start_time":"2030-01-15T09:00:00Z","end_time":"2030-01-15T10:00:00Z"}""".formatted(UNKNOWN_ID));

            assertThat(r.status).isEqualTo(400);
            assertThat(r.fields()).containsExactly("template_id");
            assertThat(r.json().get("message").asText()).isEqualTo("template_id template 999 does not exist");
        });
    }

    @Test
    void an_order_without_lines_or_a_calculation_without_coupons_is_a_400_naming_the_field() {
        run(client -> {
            Reply noLines = send(client, "POST", "/api/v1/users/7/coupons/available", OPERATE_TOKEN, "{\"items\":[]}");
            Reply noCoupons = send(client, "POST", "/api/v1/users/7/coupons/calculate", OPERATE_TOKEN,
                    "{\"coupon_ids\":[],\"items\":" + ORDER_ITEMS + "}");

            assertThat(noLines.status).isEqualTo(400);
            assertThat(noLines.fields()).containsExactly("items");
            assertThat(noCoupons.status).isEqualTo(400);
            assertThat(noCoupons.fields()).containsExactly("coupon_ids");
        });
    }

    @Test
    void a_dtm_call_without_its_op_is_a_400_naming_it() {
        run(client -> {
            Reply r = dtm(client, "/api/v1/dtm/lock?gid=unit-gid-1&trans_type=saga&branch_id=01",
                    "{\"user_id\":7,\"coupon_id\":8,\"order_sn\":\"o-1\"}");

            assertThat(r.status).isEqualTo(400);
            assertThat(r.fields()).containsExactly("op");
        });
    }

    // ------------------------------------------------------------------ 404

    @Test
    void an_unknown_template_or_activity_is_a_404_with_the_exact_error_body() {
        run(client -> {
            Reply template = send(client, "GET", "/api/v1/templates/" + UNKNOWN_ID, READ_TOKEN, null);
            Reply activity = send(client, "GET", "/api/v1/activities/" + UNKNOWN_ID, READ_TOKEN, null);
            Reply replace = send(client, "PUT", "/api/v1/templates/" + UNKNOWN_ID, OPERATE_TOKEN, """
                    {"name":"n","type":"FULL_CUT","discount_amount_cents":500,"total_count":5,"valid_days":7}""");

            assertThat(template.status).isEqualTo(404);
            assertThat(template.contentType).startsWith("application/json");
            assertThat(template.body).isEqualTo("{\"error\":\"not_found\",\"message\":\"template 999 does not exist\"}");
            assertThat(activity.body).isEqualTo("{\"error\":\"not_found\",\"message\":\"activity 999 does not exist\"}");
            assertThat(replace.status).as("an update that changed no row").isEqualTo(404);
            assertThat(replace.body).isEqualTo(template.body);
        });
    }

    @Test
    void every_operation_on_an_unknown_activity_is_a_404() {
        run(client -> {
            String path = "/api/v1/activities/" + UNKNOWN_ID;
            for (Reply r : new Reply[] {
                    send(client, "POST", path + "/start", OPERATE_TOKEN, ""),
                    send(client, "POST", path + "/pause", OPERATE_TOKEN, ""),
                    send(client, "POST", path + "/resume", OPERATE_TOKEN, ""),
                    send(client, "POST", path + "/stop", OPERATE_TOKEN, ""),
                    send(client, "POST", path + "/restock", OPERATE_TOKEN, "{\"amount\":5}"),
                    send(client, "POST", path + "/cleanup", OPERATE_TOKEN, ""),
                    send(client, "POST", path + "/reconcile", OPERATE_TOKEN, ""),
                    send(client, "GET", path + "/status", READ_TOKEN, null),
                    send(client, "GET", path + "/live", READ_TOKEN, null)}) {
                assertThat(r.status).as(r.request).isEqualTo(404);
                assertThat(r.body).as(r.request)
                        .isEqualTo("{\"error\":\"not_found\",\"message\":\"activity 999 does not exist\"}");
            }
        });
    }

    @Test
    void an_unknown_path_is_a_json_404_and_an_undeclared_method_a_json_405_with_allow() {
        run(client -> {
            Reply path = send(client, "GET", "/api/v1/nothing-here", READ_TOKEN, null);
            Reply method = send(client, "DELETE", "/api/v1/templates/" + TEMPLATE_ID, OPERATE_TOKEN, null);
            Reply trace = send(client, "TRACE", "/healthz", null, null);

            assertThat(path.status).isEqualTo(404);
            assertThat(path.contentType).startsWith("application/json");
            assertThat(path.json().get("error").asText()).isEqualTo("not_found");
            assertThat(path.json().has("message")).isTrue();
            assertThat(method.status).isEqualTo(405);
            assertThat(method.allow).isEqualTo("GET, HEAD, OPTIONS, PUT");
            assertThat(method.json().get("error").asText()).isEqualTo("method_not_allowed");
            assertThat(trace.status).as("before authentication: the methods are public").isEqualTo(405);
            assertThat(trace.allow).isEqualTo("GET, HEAD, OPTIONS");
            assertThat(trace.contentType).startsWith("application/json");
        });
    }

    // ------------------------------------------------------------------ 409, 500, 503

    @Test
    void a_refusal_of_the_sale_state_is_a_409_carrying_its_reason_and_no_fields() {
        run(client -> {
            Reply r = send(client, "POST", "/api/v1/activities/" + NOT_IN_REDIS_ID + "/reconcile", OPERATE_TOKEN, "");

            assertThat(r.status).isEqualTo(409);
            assertThat(r.body).isEqualTo("{\"error\":\"conflict\",\"message\":\"activity 22 is PENDING: its sale is not"
                    + " in Redis, nothing to reconcile\"}");
        });
    }

    @Test
    void a_dtm_action_body_that_cannot_be_read_is_a_409_failure_and_a_compensation_one_a_success() {
        run(client -> {
            Reply incomplete = dtm(client, "/api/v1/dtm/lock" + DTM_QUERY, "{\"user_id\":7}");
            Reply malformed = dtm(client, "/api/v1/dtm/use" + DTM_QUERY, "{");
            String compensate = DTM_QUERY.replace("op=action", "op=compensate");
            Reply unlock = dtm(client, "/api/v1/dtm/unlock" + compensate, "{");
            Reply revert = dtm(client, "/api/v1/dtm/revert" + compensate, "{\"user_id\":7}");
            Reply longGid = dtm(client, "/api/v1/dtm/unlock" + compensate.replace("unit-gid-1", "g".repeat(129)),
                    "{\"user_id\":7,\"coupon_id\":8,\"order_sn\":\"o-1\"}");

            assertThat(incomplete.status).isEqualTo(409);
            assertThat(incomplete.json().get("dtm_result").asText()).isEqualTo("FAILURE");
            assertThat(incomplete.json().get("error").asText()).isEqualTo("invalid_argument");
            assertThat(incomplete.fields()).containsExactly("coupon_id", "order_sn");
            assertThat(malformed.status).isEqualTo(409);
            assertThat(malformed.json().get("dtm_result").asText()).isEqualTo("FAILURE");
            // DTM retries a failed compensation for ever: an unreadable one ends with SUCCESS, nothing undone
            for (Reply r : List.of(unlock, revert, longGid)) {
                assertThat(r.status).as(r.body).isEqualTo(200);
                assertThat(r.json().get("dtm_result").asText()).isEqualTo("SUCCESS");
                assertThat(r.json().get("effect").asText()).isEqualTo("UNREADABLE");
            }
        });
    }

    @Test
    void a_database_failure_is_a_500_that_reveals_nothing_about_it() {
        run(EmptyDatabase.unreachable(), client -> {
            Reply list = send(client, "GET", "/api/v1/templates", READ_TOKEN, null);
            Reply start = send(client, "POST", "/api/v1/activities/" + ACTIVITY_ID + "/start", OPERATE_TOKEN, "");

            assertThat(list.status).isEqualTo(500);
            assertThat(list.body).isEqualTo("{\"error\":\"internal\",\"message\":\"internal error\"}");
            assertThat(start.status).isEqualTo(500);
            assertThat(start.body).isEqualTo(list.body);
        });
    }

    @Test
    void readiness_is_503_while_the_dependencies_are_not_usable() {
        run(client -> {
            assertThat(send(client, "GET", "/readyz", null, null).body)
                    .isEqualTo("{\"status\":\"ready\",\"phase\":\"running\",\"down\":[],\"dependencies\":[]}");
            ready.set(false);
            Reply notReady = send(client, "GET", "/readyz", null, null);
            Reply alive = send(client, "GET", "/healthz", null, null);

            assertThat(notReady.status).isEqualTo(503);
            assertThat(notReady.body)
                    .isEqualTo("{\"status\":\"not ready\",\"phase\":\"starting\",\"down\":[],\"dependencies\":[]}");
            assertThat(alive.status).isEqualTo(200);
            assertThat(alive.body).isEqualTo("{\"status\":\"ok\"}");
        });
    }

    // ------------------------------------------------------------------ one success per route family

    @Test
    void templates_read_as_snake_case_json_with_iso_instants_and_list_as_pages() {
        run(client -> {
            Reply one = send(client, "GET", "/api/v1/templates/" + TEMPLATE_ID, READ_TOKEN, null);
            Reply list = send(client, "GET", "/api/v1/templates?status=PUBLISHED&page_size=10", READ_TOKEN, null);

            assertThat(one.status).isEqualTo(200);
            JsonNode t = one.json();
            assertThat(t.get("id").asLong()).isEqualTo(TEMPLATE_ID);
            assertThat(t.get("type").asText()).isEqualTo("FULL_CUT");
            assertThat(t.get("discount_amount_cents").isIntegralNumber()).isTrue();
            assertThat(t.get("discount_amount_cents").asLong()).isEqualTo(500);
            assertThat(t.get("valid_start").asText()).isEqualTo("2030-01-01T00:00:00Z");
            assertThat(t.get("status").asText()).isEqualTo("PUBLISHED");
            assertThat(list.status).isEqualTo(200);
            assertThat(list.body).isEqualTo("{\"templates\":[],\"next_page_token\":\"\"}");
        });
    }

    @Test
    void activities_read_list_and_reconcile_with_an_operate_token() {
        run(client -> {
            Reply one = send(client, "GET", "/api/v1/activities/" + ACTIVITY_ID, READ_TOKEN, null);
            Reply list = send(client, "GET", "/api/v1/activities?page_size=5", READ_TOKEN, null);
            Reply report = send(client, "POST", "/api/v1/activities/" + ACTIVITY_ID + "/reconcile", OPERATE_TOKEN, "");

            assertThat(one.status).isEqualTo(200);
            assertThat(one.json().get("template_id").asLong()).isEqualTo(TEMPLATE_ID);
            assertThat(one.json().get("status").asText()).isEqualTo("ACTIVE");
            assertThat(list.body).isEqualTo("{\"activities\":[],\"next_page_token\":\"\"}");
            assertThat(report.status).isEqualTo(200);
            assertThat(report.json().get("activity_id").asLong()).isEqualTo(ACTIVITY_ID);
            assertThat(report.json().get("complete").asBoolean()).isTrue();
            assertThat(reconciled).containsExactly(ACTIVITY_ID);
        });
    }

    @Test
    void grant_conflicts_are_listed_with_a_read_token_and_resolving_one_needs_operate_a_text_and_a_known_coupon() {
        run(client -> {
            String base = "/api/v1/activities/" + ACTIVITY_ID + "/conflicts";
            Reply list = send(client, "GET", base, READ_TOKEN, null);
            Reply readOnly = send(client, "POST", base + "/8100/resolve", READ_TOKEN, "{\"resolution\":\"re-issued\"}");
            Reply noText = send(client, "POST", base + "/8100/resolve", OPERATE_TOKEN, "{}");
            Reply blank = send(client, "POST", base + "/8100/resolve", OPERATE_TOKEN, "{\"resolution\":\"  \"}");
            Reply tooLong = send(client, "POST", base + "/8100/resolve", OPERATE_TOKEN,
                    "{\"resolution\":\"" + "x".repeat(501) + "\"}");
            Reply unknownField = send(client, "POST", base + "/8100/resolve", OPERATE_TOKEN, "{\"note\":\"x\"}");
            Reply longSn = send(client, "POST", base + "/" + "1".repeat(33) + "/resolve", OPERATE_TOKEN,
                    "{\"resolution\":\"re-issued\"}");
            Reply unknown = send(client, "POST", base + "/8100/resolve", OPERATE_TOKEN, "{\"resolution\":\"re-issued\"}");

            assertThat(list.status).isEqualTo(200);
            assertThat(list.body).isEqualTo("{\"conflicts\":[]}");
            assertThat(readOnly.status).isEqualTo(403);
            assertThat(noText.status).isEqualTo(400);
            assertThat(noText.fields()).containsExactly("resolution");
            assertThat(blank.fields()).containsExactly("resolution");
            assertThat(tooLong.status).isEqualTo(400);
            assertThat(tooLong.json().toString()).contains("at most 500 characters");
            assertThat(unknownField.fields()).containsExactly("note");
            assertThat(longSn.fields()).containsExactly("coupon_sn");
            assertThat(unknown.status).isEqualTo(404);
            assertThat(unknown.json().get("message").asText()).isEqualTo("activity " + ACTIVITY_ID
                    + " has no grant conflict of coupon 8100");
        });
    }

    @Test
    void the_reconciliation_report_carries_its_conflicts_section() {
        run(client -> {
            Reply report = send(client, "POST", "/api/v1/activities/" + ACTIVITY_ID + "/reconcile", OPERATE_TOKEN, "");

            assertThat(report.body).contains("\"conflicts\":{\"count\":0,\"items\":[]}", "\"resolved_conflicts\":0");
        });
    }

    @Test
    void a_wallet_without_coupons_is_an_empty_last_page() {
        run(client -> {
            Reply r = send(client, "GET", "/api/v1/users/7/coupons?status=UNUSED&page_size=10&page_token=50",
                    READ_TOKEN, null);

            assertThat(r.status).isEqualTo(200);
            assertThat(r.body).isEqualTo("{\"coupons\":[],\"next_page_token\":\"\"}");
        });
    }

    @Test
    void an_order_against_an_empty_wallet_has_no_usable_coupon() {
        run(client -> {
            Reply r = send(client, "POST", "/api/v1/users/7/coupons/available", OPERATE_TOKEN,
                    "{\"items\":" + ORDER_ITEMS + ",\"shipping_fee_cents\":800}");

            assertThat(r.status).isEqualTo(200);
            assertThat(r.json().get("coupons")).isEmpty();
            assertThat(r.json().has("best")).isTrue();
        });
    }

    @Test
    void metrics_are_served_in_the_prometheus_text_format() {
        run(client -> {
            Reply r = send(client, "GET", "/metrics", null, null);

            assertThat(r.status).isEqualTo(200);
            assertThat(r.contentType).startsWith("text/plain; version=0.0.4");
        });
    }

    // ------------------------------------------------------------------ fixture

    /** A test body: the client of an API that TestServer started on a free port. */
    private interface ClientTest {
        void accept(TestServer.Client client) throws Exception;
    }

    private void run(ClientTest test) {
        run(EmptyDatabase.empty(), test);
    }

    /** The API as the service builds it, over {@code db}; started on a free port for {@code test}, then stopped. */
    private void run(DataSource db, ClientTest test) {
        TemplateRepository templates = new TemplateRepository(db);
        ActivityRepository activities = new ActivityRepository(db);
        UserCouponRepository coupons = new UserCouponRepository(db);
        ReconciliationReports reports = new ReconciliationReports(db);
        Reconciler reconciler = this::reconcile;
        // No Redis: with no activity row, every operation stops before it would read the sale there.
        FlashSales sales = new FlashSales(activities, templates, new io.flashcoupon.core.wallet.SaleRowCounts(db), null, CLOCK, id -> { },
                id -> { });
        SaleCleanup cleanup = new SaleCleanup(activities, null, reconciler, reports, CLOCK);
        CachedReads reads = new CachedReads(
                id -> id == TEMPLATE_ID ? Optional.of(template) : Optional.empty(),
                id -> id == ACTIVITY_ID ? Optional.of(activity) : Optional.empty(),
                id -> { }, id -> { });
        AdminApi api = new AdminApi(templates, activities, coupons, sales, reconciler, reports, cleanup, ready::get,
                CLOCK, AdminAuth.of(new ServiceConfig.Admin(List.of(READ_TOKEN), List.of(OPERATE_TOKEN), false),
                        io.flashcoupon.core.saga.BranchCredential.of(BRANCH_TOKEN)),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), reads)
                .orderCoupons(new OrderCoupons(new io.flashcoupon.core.template.TemplateVersions(db), coupons, new DiscountEngine(), CLOCK))
                .dtmBranches(new CouponBranches(db, new io.flashcoupon.core.template.TemplateVersions(db), new DiscountEngine(), CLOCK, Duration.ofMinutes(15),
                        () -> { }, (branch, result) -> { }))
                .grantConflicts(new GrantConflicts(db), CLOCK);
        TestServer.test(api.app(), test::accept);
    }

    private ReconciliationReport reconcile(long activityId) {
        reconciled.add(activityId);
        if (activityId == NOT_IN_REDIS_ID) {
            throw new ConflictException("activity " + activityId + " is PENDING: its sale is not in Redis,"
                    + " nothing to reconcile");
        }
        if (activityId != ACTIVITY_ID) {
            throw new NotFoundException("activity " + activityId + " does not exist");
        }
        SnSample none = SnSample.of(List.of());
        return new ReconciliationReport(activityId, NOW, ActivityStatus.ACTIVE, 60_000, 100, 90, 10, 10, none, none,
                none, none, Sample.of(List.of()), Sample.of(List.of()), none, Sample.of(List.of()), 0, true, true);
    }

    /** One exchange: the request as "METHOD path" and what came back. */
    private record Reply(String request, int status, String contentType, String wwwAuthenticate, String body,
            String allow) {
        JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError(request + " did not answer JSON: " + body, e);
            }
        }

        /** The names in "fields", in order. */
        List<String> fields() {
            JsonNode fields = json().get("fields");
            assertThat(fields).as("fields in %s", body).isNotNull();
            return fields.findValuesAsText("field");
        }
    }

    /** A DTM branch call: POST with the credential of the Saga named by the path's gid parameter. */
    private Reply dtm(TestServer.Client client, String path, String body) throws IOException {
        java.util.regex.Matcher gid = java.util.regex.Pattern.compile("[?&]gid=([^&]*)").matcher(path);
        assertThat(gid.find()).as("gid in %s", path).isTrue();
        return sendRaw(client, "POST", path, BRANCH.forSaga(gid.group(1)), body);
    }

    /** {@code token} null: no Authorization header; {@code body} null: none (GET, DELETE). */
    private Reply send(TestServer.Client client, String method, String path, String token, String body) throws IOException {
        return sendRaw(client, method, path, token == null ? null : "Bearer " + token, body);
    }

    private Reply sendWithKey(TestServer.Client client, String path, String idempotencyKey, String body) throws IOException {
        return sendRaw(client, "POST", path, "Bearer " + OPERATE_TOKEN, body, idempotencyKey);
    }

    private Reply sendRaw(TestServer.Client client, String method, String path, String authorization, String body)
            throws IOException {
        return sendRaw(client, method, path, authorization, body, null);
    }

    private Reply sendRaw(TestServer.Client client, String method, String path, String authorization, String body,
            String idempotencyKey) throws IOException {
        List<String> headers = new java.util.ArrayList<>();
        if (authorization != null) {
            headers.addAll(List.of("Authorization", authorization));
        }
        if (idempotencyKey != null) {
            headers.addAll(List.of("Idempotency-Key", idempotencyKey));
        }
        HttpResponse<String> response = client.request(method, path, body, headers.toArray(String[]::new));
        return new Reply(method + " " + path, response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""),
                response.headers().firstValue("WWW-Authenticate").orElse(null), response.body(),
                response.headers().firstValue("Allow").orElse(null));
    }
}
