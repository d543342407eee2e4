package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.ingress.GrabAnswer;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** GET /metrics on the admin port shows what the grabs did, how long they took and what the sink wrote. */
class MetricsIT {
    private static final String OUTCOMES = "coupon_grab_outcomes_total";
    private static final String DURATION = "coupon_grab_duration_seconds";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void grabs_move_the_counters_by_their_outcomes_and_the_sink_catches_up_with_the_grants() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(2, 1);
        Exposition before = scrape(h);

        FlashSaleResponse first = grab(h, sale.id(), 71, "metrics-71");
        assertThat(first.getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(grab(h, sale.id(), 71, null).getCode()).isEqualTo(GrabCode.LIMIT_REACHED);
        assertThat(grab(h, sale.id(), 72, null).getCode()).as("the last coupon").isEqualTo(GrabCode.GRANTED);
        assertThat(grab(h, sale.id(), 73, null).getCode()).as("from the local flag").isEqualTo(GrabCode.SOLD_OUT);
        FlashSaleResponse retry = grab(h, sale.id(), 71, "metrics-71");
        assertThat(retry.getCouponSn()).as("the retry learns its grant").isEqualTo(first.getCouponSn());
        assertRefused(() -> grab(h, sale.id(), 0, null), Status.Code.INVALID_ARGUMENT);
        assertRefused(() -> grab(h, 987_654_320L, 74, null), Status.Code.NOT_FOUND);

        Exposition after = scrape(h);
        assertThat(delta(before, after, OUTCOMES, "code", "granted")).isEqualTo(2);
        assertThat(delta(before, after, OUTCOMES, "code", "limit_reached")).isEqualTo(1);
        assertThat(delta(before, after, OUTCOMES, "code", "sold_out")).isEqualTo(1);
        assertThat(delta(before, after, OUTCOMES, "code", "repeated")).isEqualTo(1);
        assertThat(delta(before, after, OUTCOMES, "code", "invalid")).isEqualTo(1);
        assertThat(delta(before, after, OUTCOMES, "code", "not_found")).isEqualTo(1);
        assertThat(delta(before, after, OUTCOMES)).as("every answer once").isEqualTo(7);

        assertThat(delta(before, after, "coupon_admission_rejections_total", "reason", "sold_out_flag"))
                .as("the sold-out answer and the retry's lookup").isEqualTo(2);
        assertThat(delta(before, after, "coupon_grab_publications_total", "result", "sent"))
                .as("each grant's event stored with its batch").isEqualTo(2);
        assertThat(delta(before, after, "coupon_grab_batch_size_grabs_count"))
                .as("grab script calls: two grants and the limit refusal (one call each, one at a time)")
                .isEqualTo(3);
        // Six grabs reached the activity cache (not the invalid one); which were hits depends on its
        // TTL (200 ms in the harness), but the new sale and the unknown id were misses.
        assertThat(delta(before, after, "coupon_cache_requests_total", "cache", "activity", "level", "l1"))
                .isEqualTo(6);
        assertThat(delta(before, after, "coupon_cache_requests_total", "cache", "activity", "level", "l1",
                "result", "miss")).isGreaterThanOrEqualTo(2);

        assertThat(delta(before, after, DURATION + "_count", "path", "redis")).isEqualTo(4);
        assertThat(delta(before, after, DURATION + "_count", "path", "local")).isEqualTo(3);
        assertThat(after.all(DURATION + "_bucket", "path", "redis")).as("histogram buckets").hasSizeGreaterThan(10);
        assertThat(after.value(DURATION + "_bucket", "path", "redis", "le", "+Inf"))
                .isEqualTo(after.value(DURATION + "_count", "path", "redis"));
        assertThat(after.value(DURATION + "_sum", "path", "redis")).isPositive();
        assertThat(after.value("coupon_grab_queue_capacity")).as("business.flashsale.grab-queue").isPositive();
        assertThat(after.has("coupon_grabs_in_flight")).isTrue();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Exposition now = scrape(h);
            assertThat(delta(before, now, "coupon_sink_rows_total", "sink", "user_coupons"))
                    .as("rows written for the grants").isGreaterThanOrEqualTo(2);
            assertThat(delta(before, now, "coupon_materializer_event_lag_seconds_count")).isGreaterThanOrEqualTo(2);
        });
        Exposition settled = scrape(h);
        assertThat(settled.has("coupon_materializer_lag_seconds")).isTrue();
        assertThat(settled.value("coupon_sink_failures_total", "sink", "user_coupons")).isZero();
        assertThat(settled.value("coupon_sink_batch_size_rows_count", "sink", "user_coupons")).isPositive();
        assertThat(settled.value("coupon_sink_batch_duration_seconds_count", "sink", "user_coupons")).isPositive();
    }

    @Test
    void the_scrape_is_prometheus_text_with_the_jvm_and_process_meters() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        HttpResponse<String> text = get(h, null);
        assertThat(text.statusCode()).isEqualTo(200);
        assertThat(text.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(text.body()).contains("# TYPE coupon_grab_outcomes_total counter");
        Exposition e = Exposition.parse(text.body());
        assertThat(e.all(OUTCOMES)).as("one series per code, present from the start")
                .hasSize(GrabAnswer.Verdict.values().length);
        assertThat(e.all("jvm_memory_used_bytes", "area", "heap")).as("heap pools of whichever GC runs").isNotEmpty();
        assertThat(e.has("jvm_gc_live_data_size_bytes")).isTrue();
        assertThat(e.has("jvm_threads_live_threads")).isTrue();
        assertThat(e.has("process_cpu_usage")).isTrue();
        assertThat(e.value("process_uptime_seconds")).isPositive();
        assertThat(e.all("coupon_reconciliation_runs_total")).as("complete, pending, mismatch, unchanged").hasSize(4);
        assertThat(e.all("coupon_reconciliation_republished_total")).hasSize(2);
        assertThat(e.has("coupon_reconciliation_mismatched_sales")).isTrue();

        HttpResponse<String> open = get(h, "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertThat(open.headers().firstValue("Content-Type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(open.body()).contains("# TYPE coupon_grab_outcomes counter").endsWith("# EOF\n");
    }

    @Test
    void the_scrape_lists_the_pool_redis_commands_every_rpc_and_the_admin_routes() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(1, 1);
        Exposition before = scrape(h);
        assertThat(grab(h, sale.id(), 81, null).getCode()).isEqualTo(GrabCode.GRANTED);
        assertRefused(() -> grab(h, 987_654_321L, 82, null), Status.Code.NOT_FOUND);
        HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.service.httpPort() + "/api/v1/activities/" + sale.id()))
                .header("Authorization", "Bearer " + ServiceHarness.READ_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(200);
        Exposition after = scrape(h);

        // the MySQL pool (HikariCP)
        assertThat(after.value("hikaricp_connections_max", "pool", "coupon-db")).as("mysql.max-open-connections")
                .isEqualTo(30);
        for (String gauge : List.of("hikaricp_connections_active", "hikaricp_connections_idle",
                "hikaricp_connections_pending")) {
            assertThat(after.all(gauge, "pool", "coupon-db")).as(gauge).hasSize(1);
        }
        assertThat(after.value("hikaricp_connections_acquire_seconds_count", "pool", "coupon-db")).isPositive();
        assertThat(after.all("hikaricp_connections_timeout_total", "pool", "coupon-db")).hasSize(1);

        // Redis command latency (Lettuce), by command: the grab ran EVALSHA
        assertThat(delta(before, after, "lettuce_command_completion_seconds_count", "command", "EVALSHA"))
                .as("the grab's script call").isGreaterThanOrEqualTo(1);
        assertThat(after.all("lettuce_command_completion_seconds_bucket", "command", "EVALSHA"))
                .as("histogram buckets").hasSize(13);

        // every RPC of coupon.v1.Coupon, from the start, by method and status code, with a histogram
        for (MethodDescriptor<?, ?> m : CouponGrpc.getServiceDescriptor().getMethods()) {
            String method = m.getBareMethodName();
            assertThat(after.all("grpc_server_processing_duration_seconds_count", "service", "coupon.v1.Coupon",
                    "method", method, "statusCode", "OK")).as(method).hasSize(1);
            assertThat(after.all("grpc_server_requests_received_messages_total", "method", method)).as(method)
                    .hasSize(1);
        }
        assertThat(delta(before, after, "grpc_server_processing_duration_seconds_count", "method", "FlashSaleCoupon",
                "statusCode", "OK")).isEqualTo(1);
        assertThat(after.value("grpc_server_processing_duration_seconds_count", "method", "FlashSaleCoupon",
                "statusCode", "NOT_FOUND")).isPositive();
        assertThat(after.all("grpc_server_processing_duration_seconds_bucket", "method", "FlashSaleCoupon",
                "statusCode", "OK")).as("histogram buckets").hasSizeGreaterThan(10);

        // the admin API's routes, by route template, never by raw path
        for (String route : List.of("/api/v1/templates", "/api/v1/activities/{id}", "/api/v1/activities/{id}/start",
                "/api/v1/dtm/lock", "/readyz", "/metrics")) {
            assertThat(after.all("http_server_requests_seconds_count", "route", route)).as(route).isNotEmpty();
        }
        assertThat(delta(before, after, "http_server_requests_seconds_count", "method", "GET",
                "route", "/api/v1/activities/{id}", "status", "200")).isEqualTo(1);
        assertThat(after.all("http_server_requests_seconds_count").stream()
                .filter(s -> s.labels().get("route").contains(Long.toString(sale.id()))))
                .as("no raw path as a route").isEmpty();

        // naming: units in the name, never in a label
        assertThat(after.has("coupon_cdc_published_messages_total")).isTrue();
        assertThat(after.has("coupon_cdc_published_rows_total")).isTrue();
        assertThat(after.has("coupon_cdc_published_total")).isFalse();
    }

    private static FlashSaleResponse grab(ServiceHarness h, long activity, long user, String requestId) {
        FlashSaleRequest.Builder b = FlashSaleRequest.newBuilder().setActivityId(activity).setUserId(user);
        if (requestId != null) {
            b.setRequestId(requestId);
        }
        return h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(b.build());
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Status.Code code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
    }

    /**
     * Every metric the shipped alert rules read (compose/prometheus/rules) is served by /metrics: a rule
     * on a name the service does not export would never fire. Names outside the service's prefixes (up,
     * Prometheus's own) are left out.
     */
    @Test
    void every_metric_the_alert_rules_read_is_served() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(1, 1);
        assertThat(grab(h, sale.id(), 91, null).getCode()).as("Redis commands and RPCs recorded").isEqualTo(GrabCode.GRANTED);
        com.fasterxml.jackson.databind.ObjectMapper yaml =
                new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile(
                "\\b((?:coupon|hikaricp|lettuce|grpc_server|http_server|jvm|process)_[a-z0-9_]+)\\b");
        java.util.Set<String> used = new java.util.TreeSet<>();
        java.nio.file.Path rules = java.nio.file.Path.of("..", "compose", "prometheus", "rules");
        try (var files = java.nio.file.Files.list(rules)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                for (var group : yaml.readTree(f.toFile()).path("groups")) {
                    for (var rule : group.path("rules")) {
                        java.util.regex.Matcher m = metric.matcher(rule.path("expr").asText());
                        while (m.find()) {
                            used.add(m.group(1));
                        }
                    }
                }
            }
        }
        assertThat(used).as("metrics in %s", rules).hasSizeGreaterThan(20);
        // the harness runs with the fence off (fence-interval-ms 0): SaleFenceMetersTest checks its meters
        used.removeAll(java.util.List.of("coupon_sale_heals_total", "coupon_sale_fenced",
                "coupon_sale_oversold_coupons_total"));
        // the per-sale gauges are sampled every second: the running sale's series appear by the next sample
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Exposition e = scrape(h);
            assertThat(used.stream().filter(name -> !e.has(name)).toList()).as("rule metrics missing from /metrics")
                    .isEmpty();
        });
    }

    /**
     * The per-sale gauges carry a running sale's figures under its activity_id, follow its grants, rows
     * and status, and are gone once the sale is cleaned up (no series of a sale that left Redis).
     */
    @Test
    void per_sale_gauges_follow_a_sale_and_disappear_after_its_cleanup() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(3, 1);
        String id = Long.toString(sale.id());
        assertThat(grab(h, sale.id(), 81, null).getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(grab(h, sale.id(), 82, null).getCode()).isEqualTo(GrabCode.GRANTED);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Exposition e = scrape(h);
            assertThat(e.value("coupon_sale_total_stock", "activity_id", id)).isEqualTo(3);
            assertThat(e.value("coupon_sale_remaining_stock", "activity_id", id)).isEqualTo(1);
            assertThat(e.value("coupon_sale_granted", "activity_id", id)).isEqualTo(2);
            assertThat(e.value("coupon_sale_materialized", "activity_id", id)).as("rows the sink wrote").isEqualTo(2);
            assertThat(e.value("coupon_sale_status", "activity_id", id)).as("ACTIVE").isEqualTo(2);
        });

        assertThat(operate(h, sale.id(), "stop").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                scrape(h).value("coupon_sale_status", "activity_id", id)).as("ENDED").isEqualTo(4));

        // cleanup refuses (409) until reconciliation finds the sale complete; then its series go
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(operate(h, sale.id(), "cleanup").statusCode()).isEqualTo(200));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Exposition e = scrape(h);
            for (String gauge : List.of("coupon_sale_total_stock", "coupon_sale_remaining_stock", "coupon_sale_granted",
                    "coupon_sale_materialized", "coupon_sale_status")) {
                assertThat(e.all(gauge, "activity_id", id)).as("%s of the cleaned-up sale", gauge).isEmpty();
            }
        });
    }

    private HttpResponse<String> operate(ServiceHarness h, long activity, String action) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort()
                + "/api/v1/activities/" + activity + "/" + action))
                .header("Authorization", "Bearer " + ServiceHarness.OPERATE_TOKEN)
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The change of the series named {@code name} with {@code labels}, summed over the series matching. */
    private static double delta(Exposition before, Exposition after, String name, String... labels) {
        return sum(after, name, labels) - sum(before, name, labels);
    }

    private static double sum(Exposition e, String name, String... labels) {
        return e.all(name, labels).stream().mapToDouble(Exposition.Sample::value).sum();
    }

    private Exposition scrape(ServiceHarness h) throws Exception {
        HttpResponse<String> r = get(h, null);
        assertThat(r.statusCode()).isEqualTo(200);
        return Exposition.parse(r.body());
    }

    private HttpResponse<String> get(ServiceHarness h, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
