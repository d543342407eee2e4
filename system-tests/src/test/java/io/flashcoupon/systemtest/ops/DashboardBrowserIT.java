package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The live dashboard end to end in headless Chromium (Debian's, driven by playwright-core from
 * src/test/browser, both installed by scripts/browser-deps): an activity created over REST, started
 * from the page with a confirmation, grabs driven over gRPC while the page shows the stock, grants/s,
 * refusals and p99 moving, then a cancelled and a confirmed pause; and /docs rendering the API
 * description offline. Screenshots: system-tests/target/browser/dashboard.png (live),
 * dashboard-paused.png and docs.png.
 */
class DashboardBrowserIT {
    private static final Path BROWSER_DIR = Path.of(System.getProperty("browser.dir", "src/test/browser"));
    private static final Path OUT_DIR = Path.of(System.getProperty("browser.out", "target/browser"));
    private static final int STOCK = 100_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void an_operator_starts_a_sale_watches_it_move_and_pauses_it_from_the_dashboard() throws Exception {
        assertThat(BROWSER_DIR.resolve("node_modules/playwright-core")).as(
                "playwright-core is not installed in %s: run scripts/browser-deps (scripts/test does)", BROWSER_DIR)
                .isDirectory();
        ServiceHarness h = ServiceHarness.get();
        long activity = createActivity(h);
        Files.createDirectories(OUT_DIR);
        Files.deleteIfExists(OUT_DIR.resolve("dashboard.png"));

        // Grabs every 20 ms from the moment the test starts: refused (not started) until the page
        // starts the sale, then granted to new users, and every third tick a user's second try
        // (limit_reached), until the page pauses it.
        Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
        AtomicLong users = new AtomicLong(5_000_000);
        ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor();
        driver.scheduleAtFixedRate(() -> {
            long user = users.incrementAndGet();
            grab(h, activity, user, answers);
            if (user % 3 == 0) {
                grab(h, activity, user, answers);
            }
        }, 0, 20, TimeUnit.MILLISECONDS);

        JsonNode seen;
        try {
            seen = runBrowser(h, activity);
        } finally {
            driver.shutdownNow();
            driver.awaitTermination(10, TimeUnit.SECONDS);
        }

        assertThat(seen.get("start_confirmation").asText()).isEqualTo("Start activity " + activity + " (Browser IT sale)?");
        assertThat(seen.get("remaining_before_start").asText()).isEqualTo("-");
        assertThat(seen.get("granted").asLong()).isGreaterThanOrEqualTo(seen.get("first_granted").asLong() + 20);
        assertThat(seen.get("remaining").asLong() + seen.get("granted").asLong()).as("stock shown balances")
                .isLessThanOrEqualTo(STOCK).isGreaterThan(STOCK - 2_000);
        assertThat(seen.get("grants_per_second").asDouble()).isPositive();
        assertThat(seen.get("rejection_reasons").toString()).contains("limit_reached", "sold_out", "shed");
        assertThat(seen.get("status_after_cancel").asText()).isEqualTo("ACTIVE");
        assertThat(seen.get("resume_enabled").asBoolean()).isTrue();
        assertThat(seen.get("pause_enabled").asBoolean()).isFalse();
        assertThat(seen.get("page_errors")).as("script errors in the pages").isEmpty();
        assertThat(seen.get("docs_operations").asInt()).as("operations Swagger UI lists").isGreaterThanOrEqualTo(20);

        assertThat(h.activities.find(activity).orElseThrow().status()).isEqualTo(ActivityStatus.PAUSED);
        assertThat(answers.get("GRANTED").get()).isPositive();
        assertThat(answers.get("LIMIT_REACHED").get()).isPositive();
        assertThat(answers.keySet()).as("grabs that failed in the client").noneMatch(k -> k.startsWith("CLIENT_ERROR"));
        StatusRuntimeException paused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest.newBuilder()
                        .setActivityId(activity).setUserId(4_999_999).build()));
        assertThat(paused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);

        for (String shot : List.of("dashboard.png", "dashboard-paused.png")) {
            byte[] png = Files.readAllBytes(OUT_DIR.resolve(shot));
            assertThat(png.length).as(shot).isGreaterThan(20_000);
            assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        }

        // Invariants after the run: the stock balances and every grant became its row.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode live = get(h, "/api/v1/activities/" + activity + "/live");
            assertThat(live.get("remaining").asLong() + live.get("granted").asLong()).isEqualTo(STOCK);
            assertThat(live.get("materialized").asLong()).isEqualTo(live.get("granted").asLong());
            assertThat(live.get("lag").asLong()).isZero();
            assertThat(live.get("granted").asLong()).isEqualTo(answers.get("GRANTED").get());
        });
        SaleInvariants.check(h, activity, STOCK, 1, Duration.ofSeconds(60));
    }

    private static void grab(ServiceHarness h, long activity, long user, Map<String, AtomicLong> answers) {
        String answer;
        try {
            answer = h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest.newBuilder()
                    .setActivityId(activity).setUserId(user).build()).getCode().name();
        } catch (StatusRuntimeException e) {
            answer = e.getStatus().getCode().name();
        } catch (RuntimeException e) {
            // counted, not thrown: a throw would silently cancel the fixed-rate driver
            answer = "CLIENT_ERROR " + e;
        }
        answers.computeIfAbsent(answer, k -> new AtomicLong()).incrementAndGet();
    }

    private JsonNode runBrowser(ServiceHarness h, long activity) throws Exception {
        Path log = OUT_DIR.resolve("dashboard-node.log");
        ProcessBuilder pb = new ProcessBuilder("node", "dashboard.mjs").directory(BROWSER_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("BASE_URL", "http://127.0.0.1:" + h.service.httpPort());
        pb.environment().put("TOKEN", ServiceHarness.OPERATE_TOKEN);
        pb.environment().put("ACTIVITY_ID", Long.toString(activity));
        pb.environment().put("OUT_DIR", OUT_DIR.toAbsolutePath().toString());
        Process node = pb.start();
        if (!node.waitFor(180, TimeUnit.SECONDS)) {
            node.destroyForcibly();
            throw new AssertionError("the browser script did not finish in 180 s; see " + log);
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(node.exitValue()).as("browser script failed:%n%s", String.join("\n", lines)).isZero();
        return json.readTree(lines.get(lines.size() - 1));
    }

    private long createActivity(ServiceHarness h) throws Exception {
        JsonNode template = post(h, "/api/v1/templates", """
                {"name":"Browser IT 5 off","type":"FULL_CUT","discount_amount_cents":500,"total_count":%d,"valid_days":30}"""
                .formatted(STOCK));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return post(h, "/api/v1/activities", """
                {"template_id":%d,"name":"Browser IT sale","total_count":%d,"per_user_limit":1,
                 "start_time":"%s","end_time":"%s"}""".formatted(template.get("id").asLong(), STOCK,
                now.minusSeconds(60), now.plusSeconds(3600))).get("id").asLong();
    }

    private JsonNode post(ServiceHarness h, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort() + path))
                .header("Authorization", "Bearer " + ServiceHarness.OPERATE_TOKEN)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json.readTree(r.body());
    }

    private JsonNode get(ServiceHarness h, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort() + path))
                .header("Authorization", "Bearer " + ServiceHarness.READ_TOKEN).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }
}
