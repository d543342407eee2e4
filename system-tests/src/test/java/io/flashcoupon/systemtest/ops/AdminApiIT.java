package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.admin.AdminApi;
import io.flashcoupon.admin.AdminAuth;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.flyway.SchemaMigrator;
import io.flashcoupon.systemtest.support.ServiceHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admin API over HTTP against the MySQL and Redis of ServiceHarness (env MYSQL_URL as given, else
 * the database IT_DB, created if needed, on ServiceHarness's MySQL; Redis database IT_REDIS_DB), so parallel runs on one
 * machine can keep apart). Tests share the database with the other ITs, so
 * each one works on its own templates (unique names) and activities (fresh ids, Redis keys cleared).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiIT {
    private static final String URL_PARAMS = "useSSL=false&allowPublicKeyRetrieval=true"
            + "&connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true";

    private static final String OPERATE_TOKEN = "admin-it-operate-0123456789";
    private static final String READ_TOKEN = "admin-it-read-0123456789";

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    /** Activity ids FlashSales reported as having stock again (the process clears sold-out flags with them). */
    private final Queue<Long> stockReturned = new ConcurrentLinkedQueue<>();

    private HikariDataSource dataSource;
    private RedisConnector redis;
    private AdminApi api;
    private String base;

    @BeforeAll
    void start() throws Exception {
        String url = System.getenv("MYSQL_URL");
        if (url == null || url.isBlank()) {
            url = "jdbc:mysql://" + ServiceHarness.MYSQL_HOST + ":" + ServiceHarness.MYSQL_PORT + "/"
                    + createDatabase(env("IT_DB", "coupon_it"));
        }
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("admin-api-it");
        hc.setJdbcUrl(url.contains("?") ? url : url + "?" + URL_PARAMS);
        hc.setUsername(ServiceHarness.USER);
        hc.setPassword(ServiceHarness.PASSWORD);
        hc.setMaximumPoolSize(4);
        dataSource = new HikariDataSource(hc);
        new SchemaMigrator(dataSource).migrate();

        redis = new RedisConnector(new ServiceConfig.Redis(ServiceHarness.REDIS_HOST, ServiceHarness.REDIS_PORT, "",
                ServiceHarness.REDIS_DB, 3000));
        Clock clock = Clock.systemUTC();
        TemplateRepository templates = new TemplateRepository(dataSource);
        ActivityRepository activities = new ActivityRepository(dataSource);
        UserCouponRepository coupons = new UserCouponRepository(dataSource);
        SaleStore store = new SaleStore(redis.connection(), Duration.ofSeconds(3));
        FlashSales sales = new FlashSales(activities, templates, new io.flashcoupon.core.wallet.SaleRowCounts(dataSource), store, clock,
                stockReturned::add, id -> { });
        // Reconciliation itself needs the broker (ReconciliationIT runs it); here the
        // routes and cleanup's own refusals are under test, so reconciling is not expected.
        Reconciler reconciler = id -> {
            throw new ConflictException("reconciliation is not wired in AdminApiIT");
        };
        ReconciliationReports reports = new ReconciliationReports(dataSource);
        api = new AdminApi(templates, activities, coupons, sales, reconciler, reports,
                new SaleCleanup(activities, store, reconciler, reports, clock), ready::get, clock,
                AdminAuth.of(new ServiceConfig.Admin(List.of(READ_TOKEN), List.of(OPERATE_TOKEN), false),
                        io.flashcoupon.core.saga.BranchCredential.of("it-admin-branch-token-0123456789")))
                .start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + api.port();
    }

    @AfterAll
    void stop() {
        if (api != null) {
            api.stop();
        }
        if (redis != null) {
            redis.close();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    // ------------------------------------------------------------------ access

    @Test
    void anonymous_and_unknown_tokens_get_401_and_change_nothing() throws Exception {
        String name = name("anonymous");
        for (String token : new String[] {null, "not-a-configured-token-0123", OPERATE_TOKEN + "x", ""}) {
            Reply r = sendAs(token, HttpRequest.newBuilder(URI.create(base + "/api/v1/templates"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(fullCut(name, 500, 0, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"))));
            assertThat(r.status).as("token %s", token).isEqualTo(401);
            assertThat(r.json.get("error").asText()).isEqualTo("unauthenticated");
            assertThat(r.json.get("message").asText()).contains("Authorization: Bearer");
        }
        HttpResponse<String> raw = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/activities")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).as("reads need a token too").isEqualTo(401);
        assertThat(raw.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"coupon-admin\"");
        assertThat(countTemplates(name)).isZero();
    }

    @Test
    void a_read_token_reads_but_gets_403_on_every_mutation_and_401_on_a_dtm_route() throws Exception {
        long activity = createActivity(10);
        assertThat(sendAs(READ_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/activities/" + activity)).GET())
                .status).isEqualTo(200);
        Reply start = sendAs(READ_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/activities/" + activity + "/start"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(start.status).isEqualTo(403);
        assertThat(start.json.get("error").asText()).isEqualTo("permission_denied");
        assertThat(get("/api/v1/activities/" + activity).json.get("status").asText()).as("not started").isEqualTo("PENDING");
        assertThat(redis.connection().sync().exists(Registry.saleKey(activity))).isZero();
        // Every DTM branch route needs its Saga's credential, whatever its method, even before it exists here.
        assertThat(sendAs(READ_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/dtm/lock")).GET()).status)
                .isEqualTo(401);
        assertThat(sendAs(OPERATE_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/dtm/lock")).GET()).status)
                .isEqualTo(401);
        assertThat(sendAs(null, HttpRequest.newBuilder(URI.create(base + "/api/v1/dtm/lock"))
                .POST(HttpRequest.BodyPublishers.noBody())).status).isEqualTo(401);
    }

    @Test
    void probes_the_description_and_the_pages_need_no_token() throws Exception {
        for (String path : new String[] {"/healthz", "/readyz", "/openapi.json", "/dashboard", "/docs",
                "/ui/dashboard.js", "/ui/dashboard.css"}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
        }
        HttpResponse<String> docs = http.send(HttpRequest.newBuilder(URI.create(base + "/docs")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        java.util.regex.Matcher bundle = java.util.regex.Pattern.compile("src=\"(/webjars/swagger-ui/[^\"]+\\.js)\"")
                .matcher(docs.body());
        assertThat(bundle.find()).as("docs page loads Swagger UI from the jar: %s", docs.body()).isTrue();
        HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(base + bundle.group(1))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).contains("SwaggerUIBundle");
        assertThat(mapper.readTree(get("/openapi.json").json.toString()).get("openapi").asText()).startsWith("3.");
    }

    @Test
    void tokens_never_reach_the_log() throws Exception {
        // Everything logged at the configured levels, and all of this project's own logging at DEBUG.
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.classic.Logger ours = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger("io.flashcoupon");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        ch.qos.logback.classic.Level level = ours.getLevel();
        ours.setLevel(ch.qos.logback.classic.Level.DEBUG);
        root.addAppender(appender);
        String wrong = "wrong-token-" + run + "-0123456789";
        try {
            sendAs(wrong, HttpRequest.newBuilder(URI.create(base + "/api/v1/templates")).GET());
            sendAs(READ_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/templates"))
                    .POST(HttpRequest.BodyPublishers.ofString("{")));
            sendAs(OPERATE_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/templates"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{")));
            sendAs(OPERATE_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/activities/1/cleanup"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
        } finally {
            root.detachAppender(appender);
            ours.setLevel(level);
        }
        for (ch.qos.logback.classic.spi.ILoggingEvent e : appender.list) {
            String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            assertThat(text).doesNotContain(wrong).doesNotContain(READ_TOKEN).doesNotContain(OPERATE_TOKEN);
        }
    }

    // ------------------------------------------------------------------ live figures

    @Test
    void live_figures_follow_the_sale_from_pending_to_started_with_a_read_token() throws Exception {
        long id = createActivity(40);
        Reply pending = sendAs(READ_TOKEN, HttpRequest.newBuilder(URI.create(base + "/api/v1/activities/" + id + "/live")).GET());
        assertThat(pending.status).isEqualTo(200);
        assertThat(pending.json.get("activity").get("status").asText()).isEqualTo("PENDING");
        assertThat(pending.json.get("remaining").isNull()).as("not in Redis yet").isTrue();
        assertThat(pending.json.get("total").asLong()).isEqualTo(40);
        assertThat(pending.json.get("grants_per_second").isNull()).as("no earlier poll").isTrue();
        assertThat(pending.json.get("process").isNull()).as("no meters in this API").isTrue();
        assertThat(pending.json.get("reconciliation").isNull()).isTrue();

        post("/api/v1/activities/" + id + "/start", "");
        Reply started = get("/api/v1/activities/" + id + "/live");
        assertThat(started.json.get("activity").get("status").asText()).isEqualTo("ACTIVE");
        assertThat(started.json.get("remaining").asLong()).isEqualTo(40);
        assertThat(started.json.get("granted").asLong()).isZero();
        assertThat(started.json.get("lag").asLong()).isZero();
        JsonNode rate = started.json.get("grants_per_second");
        assertThat(rate.isNull() || rate.asDouble() == 0.0)
                .as("nothing granted (null while the polls are under 200 ms apart): %s", rate).isTrue();
        assertThat(started.json.get("at").asText()).isNotEmpty();

        assertThat(get("/api/v1/activities/987654321/live").status).isEqualTo(404);
        Reply bad = get("/api/v1/activities/abc/live");
        assertThat(bad.status).isEqualTo(400);
        assertThat(fieldNames(bad)).containsExactly("id");
    }

    @Test
    void viewers_polling_a_sale_at_once_share_one_reply_and_a_write_here_shows_on_the_next_poll()
            throws Exception {
        long id = createActivity(30);
        post("/api/v1/activities/" + id + "/start", "");
        int viewers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(viewers);
        try {
            CyclicBarrier together = new CyclicBarrier(viewers);
            List<Future<Reply>> polls = new ArrayList<>();
            for (int i = 0; i < viewers; i++) {
                polls.add(pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return get("/api/v1/activities/" + id + "/live");
                }));
            }
            Set<String> computedAt = new HashSet<>();
            for (Future<Reply> poll : polls) {
                Reply r = poll.get(30, TimeUnit.SECONDS);
                assertThat(r.status).isEqualTo(200);
                assertThat(r.json.get("activity").get("status").asText()).isEqualTo("ACTIVE");
                computedAt.add(r.json.get("at").asText());
            }
            // One computation per reuse window; two if the polls straddled a window's end.
            assertThat(computedAt).as("distinct computations for %d simultaneous viewers", viewers).hasSizeLessThan(3);
        } finally {
            pool.shutdownNow();
        }

        Reply before = get("/api/v1/activities/" + id + "/live");
        post("/api/v1/activities/" + id + "/pause", "");
        Reply after = get("/api/v1/activities/" + id + "/live");
        assertThat(after.json.get("activity").get("status").asText()).as("the reply made before the pause is dropped")
                .isEqualTo("PAUSED");
        assertThat(after.json.get("at").asText()).isNotEqualTo(before.json.get("at").asText());
    }

    // ------------------------------------------------------------------ templates

    @Test
    void creating_a_valid_template_answers_201_with_the_stored_template() throws Exception {
        String name = name("create");
        Reply created = post("/api/v1/templates", fullCut(name, 500, 2000, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"));

        assertThat(created.status).isEqualTo(201);
        JsonNode t = created.json;
        assertThat(t.get("id").asLong()).isPositive();
        assertThat(t.get("name").asText()).isEqualTo(name);
        assertThat(t.get("type").asText()).isEqualTo("FULL_CUT");
        assertThat(t.get("discount_amount_cents").asLong()).isEqualTo(500);
        assertThat(t.get("min_amount_cents").asLong()).isEqualTo(2000);
        assertThat(t.get("per_user_limit").asInt()).isEqualTo(1);
        assertThat(t.get("status").asText()).isEqualTo("PUBLISHED");
        assertThat(t.get("valid_start").asText()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(t.get("created_at").isTextual()).isTrue();

        Reply read = get("/api/v1/templates/" + t.get("id").asLong());
        assertThat(read.status).isEqualTo(200);
        assertThat(read.json.get("name").asText()).isEqualTo(name);
        assertThat(countTemplates(name)).isEqualTo(1);
    }

    @Test
    void negative_amounts_are_refused_naming_the_field_and_nothing_is_stored() throws Exception {
        String name = name("negative");
        long before = countTemplates(name);

        Reply r = post("/api/v1/templates", fullCut(name, -500, 0, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"));

        assertThat(r.status).isEqualTo(400);
        assertThat(r.json.get("error").asText()).isEqualTo("invalid_argument");
        assertThat(fieldNames(r)).contains("discount_amount_cents");
        Reply minNegative = post("/api/v1/templates", fullCut(name, 500, -1, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"));
        assertThat(fieldNames(minNegative)).containsExactly("min_amount_cents");
        assertThat(countTemplates(name)).isEqualTo(before).isZero();
    }

    @Test
    void validity_ending_before_it_starts_is_refused_on_valid_end() throws Exception {
        String name = name("window");

        Reply r = post("/api/v1/templates", fullCut(name, 500, 0, "2030-02-01T00:00:00Z", "2030-01-01T00:00:00Z"));

        assertThat(r.status).isEqualTo(400);
        assertThat(fieldNames(r)).containsExactly("valid_end");
        assertThat(countTemplates(name)).isZero();
    }

    @Test
    void fractional_cents_and_unknown_fields_are_refused_by_name() throws Exception {
        String name = name("float");
        Reply fractional = post("/api/v1/templates", """
                {"name":"%s","type":"FULL_CUT","discount_amount_cents":4.99,"total_count":5,"valid_days":7}"""
                .formatted(name));
        Reply unknown = post("/api/v1/templates", """
                {"name":"%s","type":"FULL_CUT","discount_amount_cents":499,"total_count":5,"valid_days":7,"color":"red"}"""
                .formatted(name));
        Reply malformed = post("/api/v1/templates", "{\"name\":");

        assertThat(fractional.status).isEqualTo(400);
        assertThat(fieldNames(fractional)).containsExactly("discount_amount_cents");
        assertThat(fieldNames(unknown)).containsExactly("color");
        assertThat(malformed.status).isEqualTo(400);
        assertThat(malformed.json.get("error").asText()).isEqualTo("invalid_argument");
        assertThat(countTemplates(name)).isZero();
    }

    @Test
    void put_replaces_a_template_and_refuses_unknown_or_invalid_ones() throws Exception {
        long id = createTemplate(name("put"));
        String renamed = name("put-renamed");

        Reply replaced = put("/api/v1/templates/" + id, """
                {"name":"%s","type":"PERCENT_OFF","discount_bps":1500,"max_discount_cents":1000,
                 "total_count":50,"valid_days":30,"status":"DRAFT"}""".formatted(renamed));
        Reply unknown = put("/api/v1/templates/999999999999", fullCut(renamed, 1, 0, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"));
        Reply invalid = put("/api/v1/templates/" + id, fullCut(renamed, -1, 0, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"));

        assertThat(replaced.status).isEqualTo(200);
        assertThat(replaced.json.get("id").asLong()).isEqualTo(id);
        assertThat(replaced.json.get("type").asText()).isEqualTo("PERCENT_OFF");
        assertThat(replaced.json.get("valid_start").isNull()).isTrue();
        assertThat(replaced.json.get("status").asText()).isEqualTo("DRAFT");
        assertThat(unknown.status).isEqualTo(404);
        assertThat(unknown.json.get("error").asText()).isEqualTo("not_found");
        assertThat(invalid.status).isEqualTo(400);
        assertThat(get("/api/v1/templates/" + id).json.get("discount_bps").asInt()).isEqualTo(1500);
    }

    @Test
    void template_list_pages_by_last_id() throws Exception {
        createTemplate(name("page-a"));
        createTemplate(name("page-b"));

        Reply first = get("/api/v1/templates?page_size=1");
        String token = first.json.get("next_page_token").asText();
        Reply second = get("/api/v1/templates?page_size=1&page_token=" + token);

        assertThat(first.status).isEqualTo(200);
        assertThat(first.json.get("templates")).hasSize(1);
        assertThat(token).isEqualTo(first.json.get("templates").get(0).get("id").asText());
        assertThat(second.json.get("templates").get(0).get("id").asLong()).isLessThan(Long.parseLong(token));
        assertThat(get("/api/v1/templates?status=PUBLISHED&page_size=200").status).isEqualTo(200);
        assertThat(fieldNames(get("/api/v1/templates?status=SOMETIMES"))).containsExactly("status");
        assertThat(fieldNames(get("/api/v1/templates?page_size=0"))).containsExactly("page_size");
    }

    @Test
    void unknown_template_and_non_numeric_ids_get_json_errors() throws Exception {
        Reply missing = get("/api/v1/templates/999999999999");
        Reply bad = get("/api/v1/templates/abc");

        assertThat(missing.status).isEqualTo(404);
        assertThat(missing.json.get("error").asText()).isEqualTo("not_found");
        assertThat(bad.status).isEqualTo(400);
        assertThat(fieldNames(bad)).containsExactly("id");
    }

    // ------------------------------------------------------------------ activities

    @Test
    void activity_ending_before_it_starts_is_refused() throws Exception {
        long templateId = createTemplate(name("act-window"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        Reply r = post("/api/v1/activities", activity(templateId, 10, now.plusSeconds(3600), now));

        assertThat(r.status).isEqualTo(400);
        assertThat(fieldNames(r)).containsExactly("end_time");
    }

    @Test
    void activity_of_an_unknown_template_is_refused_on_template_id() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        Reply r = post("/api/v1/activities", activity(999_999_999_999L, 10, now, now.plusSeconds(3600)));

        assertThat(r.status).isEqualTo(400);
        assertThat(fieldNames(r)).containsExactly("template_id");
    }

    @Test
    void starting_twice_is_a_conflict() throws Exception {
        long id = createActivity(10);

        Reply first = post("/api/v1/activities/" + id + "/start", "");
        Reply second = post("/api/v1/activities/" + id + "/start", "");

        assertThat(first.status).isEqualTo(200);
        assertThat(first.json.get("id").asLong()).isEqualTo(id);
        assertThat(first.json.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(second.status).isEqualTo(409);
        assertThat(second.json.get("error").asText()).isEqualTo("conflict");
        assertThat(second.json.get("message").asText()).contains("already started");
        assertThat(second.json.has("fields")).isFalse();
    }

    @Test
    void status_after_start_shows_the_whole_stock_and_nothing_granted() throws Exception {
        long id = createActivity(25);

        Reply before = get("/api/v1/activities/" + id + "/status");
        assertThat(post("/api/v1/activities/" + id + "/start", "").status).isEqualTo(200);
        Reply after = get("/api/v1/activities/" + id + "/status");

        assertThat(before.status).isEqualTo(200);
        assertThat(before.json.get("remaining").isNull()).isTrue();
        assertThat(after.status).isEqualTo(200);
        assertThat(after.json.get("activity").get("status").asText()).isEqualTo("ACTIVE");
        assertThat(after.json.get("total").asLong()).isEqualTo(25);
        assertThat(after.json.get("remaining").asLong()).isEqualTo(25);
        assertThat(after.json.get("granted").asLong()).isZero();
        assertThat(after.json.get("materialized").asLong()).isZero();
        assertThat(after.json.get("reconciliation").isNull()).as("no reconciliation ran yet").isTrue();
        assertThat(after.json.get("cleaned_at").isNull()).isTrue();
    }

    @Test
    void cleanup_of_a_sale_that_has_not_ended_is_a_conflict_naming_its_status() throws Exception {
        long pending = createActivity(5);
        long active = createActivity(5);
        assertThat(post("/api/v1/activities/" + active + "/start", "").status).isEqualTo(200);

        Reply ofPending = post("/api/v1/activities/" + pending + "/cleanup", "");
        Reply ofActive = post("/api/v1/activities/" + active + "/cleanup", "");
        Reply ofUnknown = post("/api/v1/activities/999999999999/cleanup", "");

        assertThat(ofPending.status).isEqualTo(409);
        assertThat(ofPending.json.get("message").asText()).contains("is PENDING", "only an ENDED sale");
        assertThat(ofActive.status).isEqualTo(409);
        assertThat(ofActive.json.get("message").asText()).contains("is ACTIVE");
        assertThat(redis.connection().sync().exists(Registry.saleKey(active))).as("the sale stays in Redis").isEqualTo(1);
        assertThat(ofUnknown.status).isEqualTo(404);
    }

    @Test
    void unknown_activity_is_a_json_404() throws Exception {
        for (Reply r : new Reply[] {
                get("/api/v1/activities/999999999999"),
                post("/api/v1/activities/999999999999/start", ""),
                get("/api/v1/activities/999999999999/status")}) {
            assertThat(r.status).isEqualTo(404);
            assertThat(r.json.get("error").asText()).isEqualTo("not_found");
            assertThat(r.json.get("message").asText()).contains("999999999999");
        }
    }

    @Test
    void created_activity_is_pending_and_listed() throws Exception {
        long id = createActivity(5);

        Reply read = get("/api/v1/activities/" + id);
        Reply list = get("/api/v1/activities?page_size=200");

        assertThat(read.json.get("status").asText()).isEqualTo("PENDING");
        assertThat(read.json.get("per_user_limit").asInt()).isEqualTo(1);
        assertThat(list.json.get("activities").findValuesAsText("id")).contains(Long.toString(id));
        assertThat(list.json.has("next_page_token")).isTrue();
    }

    // ------------------------------------------------------------------ sale lifecycle

    @Test
    void lifecycle_routes_of_an_unknown_activity_are_json_404s() throws Exception {
        for (Reply r : new Reply[] {
                post("/api/v1/activities/999999999999/pause", ""),
                post("/api/v1/activities/999999999999/resume", ""),
                post("/api/v1/activities/999999999999/stop", ""),
                post("/api/v1/activities/999999999999/restock", "{\"amount\":5}")}) {
            assertThat(r.status).isEqualTo(404);
            assertThat(r.json.get("error").asText()).isEqualTo("not_found");
            assertThat(r.json.get("message").asText()).isEqualTo("activity 999999999999 does not exist");
        }
        assertThat(fieldNames(post("/api/v1/activities/abc/pause", ""))).containsExactly("id");
    }

    @Test
    void pause_resume_and_stop_answer_the_activity_as_stored_and_move_redis_first() throws Exception {
        long id = startedActivity(10);

        Reply paused = post("/api/v1/activities/" + id + "/pause", "");
        String redisWhilePaused = saleField(id, "status");
        Reply resumed = post("/api/v1/activities/" + id + "/resume", "");
        Reply stopped = post("/api/v1/activities/" + id + "/stop", "");

        assertThat(paused.status).isEqualTo(200);
        assertThat(paused.json.get("id").asLong()).isEqualTo(id);
        assertThat(paused.json.get("status").asText()).isEqualTo("PAUSED");
        assertThat(redisWhilePaused).isEqualTo("3");
        assertThat(resumed.status).isEqualTo(200);
        assertThat(resumed.json.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(stockReturned).as("resume reports the sale may have stock again").contains(id);
        assertThat(stopped.status).isEqualTo(200);
        assertThat(stopped.json.get("status").asText()).isEqualTo("ENDED");
        assertThat(get("/api/v1/activities/" + id).json.get("status").asText()).isEqualTo("ENDED");
        assertThat(saleField(id, "status")).isEqualTo("4");
        assertThat(redis.connection().sync().exists(Registry.saleKey(id))).as("ended sale stays in Redis").isEqualTo(1);
        assertThat(redis.connection().sync().ttl(Registry.saleKey(id))).as("no TTL").isEqualTo(-1);
    }

    @Test
    void transitions_the_status_refuses_are_409s_that_change_nothing() throws Exception {
        long pending = createActivity(10);
        Reply pausePending = post("/api/v1/activities/" + pending + "/pause", "");
        Reply restockPending = post("/api/v1/activities/" + pending + "/restock", "{\"amount\":5}");
        assertConflict(pausePending, "activity " + pending + " is PENDING; only an ACTIVE sale can be paused");
        assertConflict(restockPending, "activity " + pending + " is PENDING; only an ACTIVE or PAUSED sale can be restocked");
        assertThat(redis.connection().sync().exists(Registry.saleKey(pending))).isZero();

        long id = startedActivity(10);
        assertConflict(post("/api/v1/activities/" + id + "/resume", ""),
                "activity " + id + " is ACTIVE; only a PAUSED sale can be resumed");
        assertThat(post("/api/v1/activities/" + id + "/pause", "").status).isEqualTo(200);
        assertConflict(post("/api/v1/activities/" + id + "/pause", ""),
                "activity " + id + " is PAUSED; only an ACTIVE sale can be paused");
        assertThat(post("/api/v1/activities/" + id + "/stop", "").status).isEqualTo(200);
        assertConflict(post("/api/v1/activities/" + id + "/pause", ""),
                "activity " + id + " is ENDED; only an ACTIVE sale can be paused");
        assertConflict(post("/api/v1/activities/" + id + "/resume", ""),
                "activity " + id + " is ENDED; only a PAUSED sale can be resumed");
        assertConflict(post("/api/v1/activities/" + id + "/stop", ""),
                "activity " + id + " is ENDED; only an ACTIVE or PAUSED sale can be stopped");
        assertConflict(post("/api/v1/activities/" + id + "/restock", "{\"amount\":5}"),
                "activity " + id + " is ENDED; a sale that ended cannot be restocked");

        JsonNode row = get("/api/v1/activities/" + id).json;
        assertThat(row.get("status").asText()).isEqualTo("ENDED");
        assertThat(row.get("total_count").asInt()).isEqualTo(10);
        assertThat(saleField(id, "status")).isEqualTo("4");
        assertThat(saleField(id, "total")).isEqualTo("10");
        assertThat(saleField(id, "stock")).isEqualTo("10");
    }

    @Test
    void a_running_row_whose_sale_left_redis_is_a_conflict() throws Exception {
        long id = startedActivity(10);
        redis.connection().sync().del(Registry.saleKeys(id));

        Reply r = post("/api/v1/activities/" + id + "/pause", "");

        assertConflict(r, "activity " + id + " is ACTIVE but its sale is not in Redis");
        assertThat(get("/api/v1/activities/" + id).json.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(redis.connection().sync().exists(Registry.saleKey(id))).as("nothing re-created").isZero();
    }

    @Test
    void restock_adds_to_total_and_stock_of_a_running_or_paused_sale() throws Exception {
        long id = startedActivity(10);
        stockReturned.clear();

        Reply running = post("/api/v1/activities/" + id + "/restock", "{\"amount\":5}");
        assertThat(post("/api/v1/activities/" + id + "/pause", "").status).isEqualTo(200);
        Reply paused = post("/api/v1/activities/" + id + "/restock", "{\"amount\":7}");
        Reply status = get("/api/v1/activities/" + id + "/status");

        assertThat(running.status).isEqualTo(200);
        assertThat(running.json.get("total_count").asInt()).isEqualTo(15);
        assertThat(running.json.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(paused.status).isEqualTo(200);
        assertThat(paused.json.get("total_count").asInt()).isEqualTo(22);
        assertThat(paused.json.get("status").asText()).as("restock does not resume").isEqualTo("PAUSED");
        assertThat(status.json.get("total").asLong()).isEqualTo(22);
        assertThat(status.json.get("remaining").asLong()).isEqualTo(22);
        assertThat(saleField(id, "total")).isEqualTo("22");
        assertThat(saleField(id, "status")).isEqualTo("3");
        assertThat(stockReturned).as("each restock reports the sale").containsExactly(id, id);
    }

    @Test
    void restock_amount_out_of_range_or_malformed_is_a_400_naming_it_and_adds_nothing() throws Exception {
        long id = startedActivity(10);
        String path = "/api/v1/activities/" + id + "/restock";

        for (String body : new String[] {"{\"amount\":0}", "{\"amount\":-3}", "{\"amount\":10000001}",
                "{\"amount\":\"5\"}", "{\"amount\":1.5}", "{}"}) {
            Reply r = post(path, body);
            assertThat(r.status).as(body).isEqualTo(400);
            assertThat(r.json.get("error").asText()).isEqualTo("invalid_argument");
            assertThat(fieldNames(r)).as(body).containsExactly("amount");
        }
        assertThat(fieldNames(post(path, "{\"amount\":5,\"extra\":1}"))).containsExactly("extra");
        assertThat(fieldNames(post(path, ""))).containsExactly("body");
        assertThat(post(path, "{\"amount\":0}").json.get("message").asText())
                .isEqualTo("amount must be between 1 and 10000000, was 0");

        assertThat(get("/api/v1/activities/" + id).json.get("total_count").asInt()).isEqualTo(10);
        assertThat(saleField(id, "total")).isEqualTo("10");
        assertThat(saleField(id, "stock")).isEqualTo("10");
    }

    // ------------------------------------------------------------------ wallets, probes, routing

    @Test
    void wallet_of_a_non_positive_user_is_refused() throws Exception {
        Reply zero = get("/api/v1/users/0/coupons");
        Reply word = get("/api/v1/users/me/coupons");

        assertThat(zero.status).isEqualTo(400);
        assertThat(zero.json.get("error").asText()).isEqualTo("invalid_argument");
        assertThat(fieldNames(zero)).containsExactly("user_id");
        assertThat(word.status).isEqualTo(400);
    }

    @Test
    void wallet_of_a_user_without_coupons_is_an_empty_last_page() throws Exception {
        Reply r = get("/api/v1/users/987654321987/coupons?status=UNUSED&page_size=10");

        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.get("coupons")).isEmpty();
        assertThat(r.json.get("next_page_token").asText()).isEmpty();
    }

    @Test
    void probes_report_liveness_and_readiness() throws Exception {
        assertThat(get("/healthz").json.get("status").asText()).isEqualTo("ok");
        assertThat(get("/readyz").status).isEqualTo(200);
        ready.set(false);
        try {
            Reply notReady = get("/readyz");
            assertThat(notReady.status).isEqualTo(503);
            assertThat(notReady.json.get("status").asText()).isEqualTo("not ready");
        } finally {
            ready.set(true);
        }
    }

    @Test
    void unknown_route_is_a_json_404() throws Exception {
        Reply r = get("/api/v1/nothing-here");

        assertThat(r.status).isEqualTo(404);
        assertThat(r.contentType).startsWith("application/json");
        assertThat(r.json.get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void an_undeclared_method_is_a_json_405_naming_the_allowed_ones_and_an_empty_enum_filter_a_400() throws Exception {
        HttpResponse<String> trace = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/templates"))
                .method("TRACE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(trace.statusCode()).isEqualTo(405);
        assertThat(trace.headers().firstValue("Allow")).contains("GET, HEAD, OPTIONS, POST");
        assertThat(trace.body()).contains("\"error\":\"method_not_allowed\"");
        assertThat(fieldNames(get("/api/v1/templates?status="))).containsExactly("status");
        assertThat(fieldNames(get("/api/v1/users/5/coupons?status="))).containsExactly("status");
    }

    // ------------------------------------------------------------------ helpers

    private record Reply(int status, String contentType, JsonNode json) {}

    private String name(String what) {
        return "it-" + run + "-" + what;
    }

    private static String fullCut(String name, long amountCents, long minCents, String validStart, String validEnd) {
        return """
                {"name":"%s","type":"FULL_CUT","discount_amount_cents":%d,"min_amount_cents":%d,
                 "total_count":100,"valid_start":"%s","valid_end":"%s"}"""
                .formatted(name, amountCents, minCents, validStart, validEnd);
    }

    private static String activity(long templateId, int total, Instant start, Instant end) {
        return """
                {"template_id":%d,"name":"it sale","total_count":%d,"start_time":"%s","end_time":"%s"}"""
                .formatted(templateId, total, start, end);
    }

    private long createTemplate(String name) throws Exception {
        Reply r = post("/api/v1/templates", fullCut(name, 500, 0, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"));
        assertThat(r.status).as("create template: %s", r.json).isEqualTo(201);
        return r.json.get("id").asLong();
    }

    /** A fresh activity in its window, with any Redis state of a former database under its id removed. */
    private long createActivity(int total) throws Exception {
        long templateId = createTemplate(name("for-activity"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Reply r = post("/api/v1/activities", activity(templateId, total, now.minusSeconds(60), now.plusSeconds(3600)));
        assertThat(r.status).as("create activity: %s", r.json).isEqualTo(201);
        long id = r.json.get("id").asLong();
        redis.connection().sync().del(Registry.saleKeys(id));
        return id;
    }

    /** A fresh activity, started. */
    private long startedActivity(int total) throws Exception {
        long id = createActivity(total);
        Reply r = post("/api/v1/activities/" + id + "/start", "");
        assertThat(r.status).as("start: %s", r.json).isEqualTo(200);
        return id;
    }

    private String saleField(long id, String field) {
        return redis.connection().sync().hget(Registry.saleKey(id), field);
    }

    private static void assertConflict(Reply r, String message) {
        assertThat(r.status).as("%s", r.json).isEqualTo(409);
        assertThat(r.json.get("error").asText()).isEqualTo("conflict");
        assertThat(r.json.get("message").asText()).startsWith(message);
        assertThat(r.json.has("fields")).isFalse();
    }

    private long countTemplates(String name) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT COUNT(*) FROM " + Registry.TABLE_TEMPLATES + " WHERE name=?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static java.util.List<String> fieldNames(Reply r) {
        assertThat(r.json.has("fields")).as("fields in %s", r.json).isTrue();
        return r.json.get("fields").findValuesAsText("field");
    }

    private Reply get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    private Reply post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private Reply put(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private Reply send(HttpRequest.Builder request) throws Exception {
        return sendAs(OPERATE_TOKEN, request);
    }

    /** {@code token} null: no Authorization header. */
    private Reply sendAs(String token, HttpRequest.Builder request) throws Exception {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        return new Reply(response.statusCode(), contentType, mapper.readTree(response.body()));
    }

    /** Creates {@code db} on the test MySQL unless it exists; returns its name. */
    private static String createDatabase(String db) throws Exception {
        String server = "jdbc:mysql://" + ServiceHarness.MYSQL_HOST + ":" + ServiceHarness.MYSQL_PORT + "/?" + URL_PARAMS;
        try (Connection c = DriverManager.getConnection(server, ServiceHarness.USER, ServiceHarness.PASSWORD);
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS `" + db + "` CHARACTER SET utf8mb4");
        }
        return db;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
