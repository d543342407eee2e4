package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ForgedRows;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import io.flashcoupon.core.audit.AuditLog;
import io.flashcoupon.core.reconcile.SaleFence;
import io.flashcoupon.core.reconcile.SaleFences;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The audit trail of the running service (the shared {@link ServiceHarness}: real MariaDB, Redis and
 * broker): operator calls over the admin API land in audit_log, done or refused, under their token's
 * configured name, with request id and before/after, and GET /api/v1/audit finds them by its filters,
 * page by page. Each test works on its own activities and request ids (the database is shared).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditLogIT {
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private ServiceHarness h;
    private String base;

    @BeforeAll
    void start() throws Exception {
        h = ServiceHarness.get();
        base = "http://127.0.0.1:" + h.service.httpPort();
    }

    private record Reply(int status, String requestId, JsonNode json) {}

    private Activity pending() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return h.activity(10, 1, now.minusSeconds(60), now.plusSeconds(3600));
    }

    private Reply post(String token, String path, String requestId, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) {
            b.header("X-Request-Id", requestId);
        }
        return send(b);
    }

    private Reply audit(String query) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/api/v1/audit" + query))
                .header("Authorization", "Bearer " + ServiceHarness.READ_TOKEN).GET());
    }

    private Reply send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("X-Request-Id").orElse(null), mapper.readTree(r.body()));
    }

    /** Every entry on {@code activity}, newest first. */
    private List<JsonNode> entries(long activity) throws Exception {
        Reply r = audit("?target_type=activity&target_id=" + activity);
        assertThat(r.status).as(r.json.toString()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json.get("entries").forEach(out::add);
        return out;
    }

    private String status(long activity) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/api/v1/activities/" + activity))
                .header("Authorization", "Bearer " + ServiceHarness.READ_TOKEN).GET()).json.get("status").asText();
    }

    @Test
    void an_operator_action_is_recorded_with_its_token_name_request_id_and_before_after() throws Exception {
        long id = pending().id();
        Reply start = post(ServiceHarness.OPERATE_TOKEN, "/api/v1/activities/" + id + "/start", run + "-start", null);
        assertThat(start.status).as(start.json.toString()).isEqualTo(200);
        assertThat(start.requestId).isEqualTo(run + "-start");

        List<JsonNode> e = entries(id);
        assertThat(e).hasSize(1);
        JsonNode a = e.get(0);
        assertThat(a.get("actor_name").asText()).isEqualTo(ServiceHarness.OPERATE_TOKEN_NAME);
        assertThat(a.get("actor_role").asText()).isEqualTo("operate");
        assertThat(a.get("action").asText()).isEqualTo("activity.start");
        assertThat(a.get("outcome").asText()).isEqualTo("DONE");
        assertThat(a.get("http_status").asInt()).isEqualTo(200);
        assertThat(a.get("request_id").asText()).isEqualTo(run + "-start");
        assertThat(a.get("before").get("status").asText()).isEqualTo("PENDING");
        assertThat(a.get("after").get("status").asText()).isEqualTo("ACTIVE");
        assertThat(a.get("at_ms").asLong()).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
        assertThat(a.toString()).doesNotContain(ServiceHarness.OPERATE_TOKEN);
    }

    @Test
    void refused_calls_are_recorded_with_status_and_reason_and_change_nothing() throws Exception {
        long id = pending().id();
        assertThat(post(ServiceHarness.OPERATE_TOKEN, "/api/v1/activities/" + id + "/start", null, null).status)
                .isEqualTo(200);
        assertThat(post(ServiceHarness.OPERATE_TOKEN, "/api/v1/activities/" + id + "/stop", null, null).status)
                .isEqualTo(200);
        Reply again = post(ServiceHarness.OPERATE_TOKEN, "/api/v1/activities/" + id + "/start", null, null);
        assertThat(again.status).isEqualTo(409);
        assertThat(again.requestId).as("a generated request id is answered").isNotBlank();
        Reply badRestock = post(ServiceHarness.OPERATE_TOKEN, "/api/v1/activities/" + id + "/restock", run + "-r0",
                "{\"amount\":0}");
        assertThat(badRestock.status).isEqualTo(400);
        Reply reader = post(ServiceHarness.READ_TOKEN, "/api/v1/activities/" + id + "/resume", run + "-reader", null);
        assertThat(reader.status).isEqualTo(403);
        assertThat(status(id)).isEqualTo("ENDED");

        List<JsonNode> e = entries(id);
        assertThat(e).extracting(n -> n.get("action").asText() + " " + n.get("outcome").asText() + " "
                + n.get("http_status").asInt() + " " + n.get("actor_name").asText()).containsExactly(
                "activity.resume REFUSED 403 " + ServiceHarness.READ_TOKEN_NAME,
                "activity.restock REFUSED 400 " + ServiceHarness.OPERATE_TOKEN_NAME,
                "activity.start REFUSED 409 " + ServiceHarness.OPERATE_TOKEN_NAME,
                "activity.stop DONE 200 " + ServiceHarness.OPERATE_TOKEN_NAME,
                "activity.start DONE 200 " + ServiceHarness.OPERATE_TOKEN_NAME);
        JsonNode refusedStart = e.get(2);
        assertThat(refusedStart.get("reason").asText()).contains("already started");
        assertThat(refusedStart.get("request_id").asText()).isEqualTo(again.requestId);
        assertThat(refusedStart.get("before").get("status").asText()).isEqualTo("ENDED");
        assertThat(refusedStart.get("after").get("status").asText()).isEqualTo("ENDED");
        assertThat(e.get(1).get("reason").asText()).contains("amount");
        assertThat(e.get(0).get("actor_role").asText()).isEqualTo("read");
        assertThat(e.get(0).get("reason").asText()).contains("role operate");
        assertThat(e.get(0).get("request_id").asText()).isEqualTo(run + "-reader");
    }

    @Test
    void a_template_create_is_recorded_under_the_id_it_got() throws Exception {
        String body = """
                {"name":"audit %s","type":"FULL_CUT","discount_amount_cents":500,"min_amount_cents":0,
                 "total_count":100,"valid_start":"2030-01-01T00:00:00Z","valid_end":"2030-02-01T00:00:00Z"}"""
                .formatted(run);
        Reply created = post(ServiceHarness.OPERATE_TOKEN, "/api/v1/templates", run + "-tpl", body);
        assertThat(created.status).as(created.json.toString()).isEqualTo(201);
        long id = created.json.get("id").asLong();
        Reply r = audit("?target_type=template&target_id=" + id);
        assertThat(r.json.get("entries")).hasSize(1);
        JsonNode a = r.json.get("entries").get(0);
        assertThat(a.get("action").asText()).isEqualTo("template.create");
        assertThat(a.get("before").isNull()).isTrue();
        assertThat(a.get("after").get("name").asText()).isEqualTo("audit " + run);
        assertThat(a.get("request_id").asText()).isEqualTo(run + "-tpl");
    }

    @Test
    void filters_and_pages_select_the_records_newest_first() throws Exception {
        long id = pending().id();
        String path = "/api/v1/activities/" + id;
        assertThat(post(ServiceHarness.OPERATE_TOKEN, path + "/start", run + "-p1", null).status).isEqualTo(200);
        assertThat(post(ServiceHarness.OPERATE_TOKEN, path + "/pause", run + "-p2", null).status).isEqualTo(200);
        assertThat(post(ServiceHarness.OPERATE_TOKEN, path + "/resume", run + "-p3", null).status).isEqualTo(200);

        String target = "?target_type=activity&target_id=" + id;
        List<String> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            Reply page = audit(target + "&page_size=2" + (token.isEmpty() ? "" : "&page_token=" + token));
            assertThat(page.status).isEqualTo(200);
            assertThat(page.json.get("entries").size()).isBetween(1, 2);
            page.json.get("entries").forEach(n -> seen.add(n.get("request_id").asText()));
            token = page.json.get("next_page_token").asText();
            pages++;
        } while (!token.isEmpty());
        assertThat(pages).isEqualTo(2);
        assertThat(seen).containsExactly(run + "-p3", run + "-p2", run + "-p1");

        Reply pauses = audit(target + "&action=activity.pause&actor=" + ServiceHarness.OPERATE_TOKEN_NAME);
        assertThat(pauses.json.get("entries")).hasSize(1);
        assertThat(pauses.json.get("entries").get(0).get("request_id").asText()).isEqualTo(run + "-p2");
        assertThat(audit(target + "&actor=" + ServiceHarness.READ_TOKEN_NAME).json.get("entries")).isEmpty();
        String future = URLEncoder.encode(Instant.now().plusSeconds(3600).toString(), StandardCharsets.UTF_8);
        String past = URLEncoder.encode(Instant.now().minusSeconds(3600).toString(), StandardCharsets.UTF_8);
        assertThat(audit(target + "&from=" + future).json.get("entries")).isEmpty();
        assertThat(audit(target + "&from=" + past + "&to=" + future).json.get("entries")).hasSize(3);
    }

    @Test
    void a_bad_filter_is_a_400_naming_it_and_records_nothing() throws Exception {
        long rows = auditRows();
        for (String[] bad : new String[][] {{"?target_id=5", "target_id"}, {"?from=yesterday", "from"},
                {"?actr=alice", "actr"}, {"?page_token=abc", "page_token"}, {"?target_type=user", "target_type"},
                {"?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to"}}) {
            Reply r = audit(bad[0]);
            assertThat(r.status).as(bad[0]).isEqualTo(400);
            assertThat(r.json.get("error").asText()).isEqualTo("invalid_argument");
            assertThat(r.json.get("fields").get(0).get("field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
        assertThat(auditRows()).isEqualTo(rows);
    }

    @Test
    void a_heal_that_finds_a_sale_oversold_pauses_it_and_records_it_as_system() throws Exception {
        Activity sale = h.runningSale(1, 1);
        // Two rows for a total of one (as if Redis lost both grants and sold the coupon twice): the
        // fence check sees more rows than ledger entries, heals, finds the sale oversold and pauses it.
        long base = System.nanoTime() % 1_000_000_000L;
        ForgedRows.insert(h.service.dataSource(), sale.templateId(), sale.id(), 9001, 1, "9" + base + "1", null);
        ForgedRows.insert(h.service.dataSource(), sale.templateId(), sale.id(), 9002, 1, "9" + base + "2", null);
        SaleFence fence = new SaleFence(h.activities, new UserCouponRepository(h.service.dataSource()),
                this::rows, new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3)),
                new SaleFences(h.service.dataSource()), () -> List.of(sale.id()), Clock.systemUTC(),
                new SimpleMeterRegistry(), 10_000, 0, new AuditLog(h.service.dataSource()));
        assertThat(fence.check(sale.id())).hasValueSatisfying(heal -> assertThat(heal.oversoldBy()).isEqualTo(1));
        assertThat(status(sale.id())).isEqualTo("PAUSED");

        Reply r = audit("?actor=system&target_type=activity&target_id=" + sale.id());
        assertThat(r.json.get("entries")).hasSize(1);
        JsonNode a = r.json.get("entries").get(0);
        assertThat(a.get("actor_role").asText()).isEqualTo("system");
        assertThat(a.get("action").asText()).isEqualTo("activity.pause");
        assertThat(a.get("outcome").asText()).isEqualTo("DONE");
        assertThat(a.get("http_status").isNull()).isTrue();
        assertThat(a.get("reason").asText()).contains("oversold by 1");
        assertThat(a.get("before").get("status").asText()).isEqualTo("ACTIVE");
        assertThat(a.get("after").get("status").asText()).isEqualTo("PAUSED");
        assertThat(a.get("after").get("oversold_by").asLong()).isEqualTo(1);
    }

    private long rows(long activity) {
        try (Connection c = h.service.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM " + Registry.TABLE_USER_COUPONS + " WHERE activity_id = ?")) {
            ps.setLong(1, activity);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long auditRows() throws Exception {
        try (Connection c = h.service.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + Registry.TABLE_AUDIT_LOG)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
