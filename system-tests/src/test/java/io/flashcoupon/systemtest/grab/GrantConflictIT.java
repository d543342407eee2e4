package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ForgedRows;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.remoting.protocol.admin.ConsumeStats;
import org.apache.rocketmq.remoting.protocol.admin.OffsetWrapper;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A grant whose (activity, user, seq) another coupon_sn already holds in user_coupons, through the
 * real materializer on the real broker and MariaDB: the sink must not drop it silently. The planted
 * row stays as it was, the grant is recorded in grant_conflicts (once, however often it is
 * delivered), counted in coupon_sink_conflicts_total, reported by reconciliation instead of being
 * re-published, and blocks cleanup until an operator resolves it. Reconciliation runs on demand
 * (the test service's periodic interval is an hour).
 */
class GrantConflictIT {
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final AtomicLong SERIALS = new AtomicLong(8_200_000_000_000_000_000L);
    private static final String CONFLICTS_METRIC = "coupon_sink_conflicts_total";
    private static DefaultMQProducer admin;
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void adminClient() throws Exception {
        // Only to read the materializer's consumer offsets (its admin calls hang off a client instance).
        admin = new DefaultMQProducer("it-grant-conflict-admin");
        admin.setNamesrvAddr(ServiceHarness.get().service.namesrvAddr());
        admin.setInstanceName("it-grant-conflict-admin");
        admin.start();
    }

    @AfterAll
    static void closeAdmin() {
        if (admin != null) {
            admin.shutdown();
        }
    }

    @Test
    void a_grant_whose_seat_holds_another_serial_is_recorded_counted_and_reported_and_the_row_is_untouched()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 1);
        long user = 4101;
        String a = nextSn();
        ForgedRows.insert(h.service.dataSource(), sale.templateId(), sale.id(), user, 1, a, "req-a");
        Map<String, Object> rowA = row(h, a);
        double conflictsBefore = metric(h, CONFLICTS_METRIC, "sink", "user_coupons");
        double mismatchRuns = metric(h, "coupon_reconciliation_runs_total", "result", "mismatch");

        // Redis knows nothing of row A (as after it lost the grant), so the grab takes seq 1 again.
        FlashSaleResponse won = grab(h, sale, user, "req-b");
        String b = won.getCouponSn();
        System.out.println("injected: row " + a + " for (activity " + sale.id() + ", user " + user + ", seq 1) that"
                + " Redis does not know; then a real grab of that user, granted as " + b);

        await("the conflict of " + b + " is recorded").atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> !conflicts(h, sale.id()).isEmpty());
        List<Map<String, Object>> recorded = conflicts(h, sale.id());
        System.out.println("found: grant_conflicts " + recorded + "; row A " + row(h, a) + "; row B " + row(h, b));
        assertThat(recorded).hasSize(1);
        assertThat(recorded.get(0)).containsEntry("coupon_sn", b).containsEntry("existing_coupon_sn", a)
                .containsEntry("user_id", user).containsEntry("seq", 1).containsEntry("resolved_at_ms", null);
        assertThat(row(h, a)).as("the planted row is untouched").isEqualTo(rowA);
        assertThat(row(h, b)).as("the conflicting grant made no row").isNull();
        assertThat(metric(h, CONFLICTS_METRIC, "sink", "user_coupons")).isEqualTo(conflictsBefore + 1);

        long grantedAt = grantedAt(h, sale, b);
        await("the grant is older than the grace").atMost(WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> System.currentTimeMillis() - grantedAt >= ServiceHarness.RECONCILE_GRACE_MS);
        JsonNode report = post(h, "/api/v1/activities/" + sale.id() + "/reconcile", 200);
        System.out.println("found: report " + report);
        assertThat(report.get("conflicts").get("count").asLong()).isEqualTo(1);
        JsonNode item = report.get("conflicts").get("items").get(0);
        assertThat(item.get("coupon_sn").asText()).isEqualTo(b);
        assertThat(item.get("existing_coupon_sn").asText()).isEqualTo(a);
        assertThat(item.get("user_id").asLong()).isEqualTo(user);
        assertThat(report.get("republished").get("count").asLong()).as("a conflict is not re-published").isZero();
        assertThat(report.get("missing_within_grace").get("count").asLong()).isZero();
        assertThat(texts(report.get("rows_without_ledger").get("sns"))).as("row A is unknown to Redis").containsExactly(a);
        assertThat(report.get("complete").asBoolean()).isFalse();
        assertThat(metric(h, "coupon_reconciliation_runs_total", "result", "mismatch")).isEqualTo(mismatchRuns + 1);
        JsonNode live = get(h, "/api/v1/activities/" + sale.id() + "/live", 200).get("reconciliation");
        assertThat(live.get("problems").toString()).as("the dashboard shows it").contains("not written", b, a);

        // Redelivery of B: the same conflict, nothing new recorded or counted, row A still as planted.
        long stored = topicMessages();
        assertThat(h.service.ledger().republish(grabbed(sale, b, user, 1, grantedAt), Segment.only(sale.id()))).isTrue();
        awaitMaterialized(stored + 1);
        System.out.println("found after redelivering " + b + ": grant_conflicts " + conflicts(h, sale.id()));
        assertThat(conflicts(h, sale.id())).isEqualTo(recorded);
        assertThat(metric(h, CONFLICTS_METRIC, "sink", "user_coupons")).isEqualTo(conflictsBefore + 1);
        assertThat(row(h, a)).isEqualTo(rowA);
        assertThat(row(h, b)).isNull();
        JsonNode status = get(h, "/api/v1/activities/" + sale.id() + "/status", 200);
        assertThat(status.get("reconciliation").get("conflicts").get("count").asLong()).isEqualTo(1);
    }

    @Test
    void an_open_conflict_refuses_cleanup_until_resolved_and_its_record_stays() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 2);
        RedisCommands<String, String> redis = redis(h);
        // A plain grab with a request id, and one without: their rows carry the request id (or none).
        String plain = grab(h, sale, 4201, "req-4201").getCouponSn();
        String anonymous = grab(h, sale, 4203, null).getCouponSn();
        await("rows of the plain grabs").atMost(WITHIN).until(() -> row(h, plain) != null && row(h, anonymous) != null);
        assertThat(row(h, plain)).containsEntry("request_id", "req-4201");
        assertThat(row(h, anonymous)).containsEntry("request_id", null);

        // User 4202 holds A as seq 1 (ledger and row agree); the ledger also holds B as seq 1.
        long user = 4202;
        long grantedAt = System.currentTimeMillis() - 2 * ServiceHarness.RECONCILE_GRACE_MS;
        String a = nextSn();
        String b = nextSn();
        redis.hset(Registry.ledgerKey(sale.id()), a, user + ":1:" + grantedAt);
        redis.hset(Registry.ledgerKey(sale.id()), b, user + ":1:" + grantedAt);
        redis.hset(Registry.usersKey(sale.id()), Long.toString(user), "2");
        redis.hincrby(Registry.saleKey(sale.id()), "stock", -2);
        ForgedRows.insert(h.service.dataSource(), sale.templateId(), sale.id(), user, 1, a, null);
        double conflictsBefore = metric(h, CONFLICTS_METRIC, "sink", "user_coupons");
        long stored = topicMessages();
        assertThat(h.service.ledger().republish(grabbed(sale, b, user, 1, grantedAt), Segment.only(sale.id()))).isTrue();
        // A plain duplicate: the stored grant of user 4201 delivered again stays silent.
        assertThat(h.service.ledger().republish(grabbed(sale, plain, 4201, 1, grantedAt(h, sale, plain)), Segment.only(sale.id()))).isTrue();
        System.out.println("injected: ledger " + a + " and " + b + " both (user " + user + ", seq 1), row " + a
                + "; committed the event of " + b + " and again the event of the stored " + plain);
        awaitMaterialized(stored + 2);
        assertThat(conflicts(h, sale.id())).extracting(c -> c.get("coupon_sn")).containsExactly(b);
        assertThat(metric(h, CONFLICTS_METRIC, "sink", "user_coupons")).as("only B conflicts")
                .isEqualTo(conflictsBefore + 1);

        JsonNode report = post(h, "/api/v1/activities/" + sale.id() + "/reconcile", 200);
        assertThat(report.get("conflicts").get("count").asLong()).isEqualTo(1);
        assertThat(report.get("stock_balanced").asBoolean()).isTrue();
        assertThat(report.get("rows_without_ledger").get("count").asLong()).isZero();
        assertThat(report.get("user_count_mismatches").get("count").asLong()).isZero();
        assertThat(report.get("republished").get("count").asLong()).isZero();
        assertThat(report.get("complete").asBoolean()).isFalse();

        end(h, sale);
        long keysBefore = redis.exists(Registry.saleKeys(sale.id()));
        JsonNode refused = post(h, "/api/v1/activities/" + sale.id() + "/cleanup", 409);
        System.out.println("found: cleanup answered " + refused);
        assertThat(refused.get("message").asText()).contains("unresolved grant conflict", b, "resolve",
                "nothing was removed");
        assertThat(keysBefore).as("sale, users and ledger keys at least").isGreaterThanOrEqualTo(3);
        assertThat(redis.exists(Registry.saleKeys(sale.id()))).as("every sale key still there").isEqualTo(keysBefore);

        String resolvePath = "/api/v1/activities/" + sale.id() + "/conflicts/" + b + "/resolve";
        JsonNode resolved = send(h, HttpRequest.newBuilder(uri(h, resolvePath))
                .POST(HttpRequest.BodyPublishers.ofString("{\"resolution\":\"coupon re-issued by support, ticket 77\"}"))
                .header("Content-Type", "application/json"), 200);
        System.out.println("found: resolve answered " + resolved);
        assertThat(resolved.get("conflicts").get(0).get("resolution").asText()).isEqualTo(
                "coupon re-issued by support, ticket 77");
        assertThat(resolved.get("conflicts").get(0).get("resolved_at").isTextual()).isTrue();
        JsonNode again = send(h, HttpRequest.newBuilder(uri(h, resolvePath))
                .POST(HttpRequest.BodyPublishers.ofString("{\"resolution\":\"twice\"}"))
                .header("Content-Type", "application/json"), 409);
        assertThat(again.get("message").asText()).contains("was resolved at", "ticket 77");

        JsonNode cleaned = post(h, "/api/v1/activities/" + sale.id() + "/cleanup", 200);
        System.out.println("found: cleanup answered " + cleaned);
        assertThat(cleaned.get("reconciliation").get("complete").asBoolean()).isTrue();
        assertThat(cleaned.get("reconciliation").get("resolved_conflicts").asLong()).isEqualTo(1);
        assertThat(redis.exists(Registry.saleKeys(sale.id()))).isZero();
        JsonNode listed = get(h, "/api/v1/activities/" + sale.id() + "/conflicts", 200);
        assertThat(listed.get("conflicts")).as("the record outlives the sale in Redis").hasSize(1);
        assertThat(listed.get("conflicts").get(0).get("existing_coupon_sn").asText()).isEqualTo(a);
        assertThat(row(h, a)).containsEntry("user_id", user).containsEntry("seq", 1);
    }

    // ------------------------------------------------------------------ helpers

    private static FlashSaleResponse grab(ServiceHarness h, Activity sale, long user, String requestId) {
        FlashSaleRequest.Builder req = FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user);
        if (requestId != null) {
            req.setRequestId(requestId);
        }
        FlashSaleResponse r = h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(req.build());
        assertThat(r.getCode()).as("grab of user %d", user).isEqualTo(GrabCode.GRANTED);
        return r;
    }

    private static CouponGrabbed grabbed(Activity sale, String sn, long user, int seq, long grantedAt) {
        return CouponGrabbed.newBuilder().setCouponSn(sn).setActivityId(sale.id()).setTemplateId(sale.templateId())
                .setUserId(user).setSeq(seq).setGrantedAtMs(grantedAt).build();
    }

    private static long grantedAt(ServiceHarness h, Activity sale, String sn) {
        return Long.parseLong(redis(h).hget(Registry.ledgerKey(sale.id()), sn).split(":")[2]);
    }

    private static void end(ServiceHarness h, Activity sale) {
        assertThat(h.activities.transition(sale.id(), ActivityStatus.ACTIVE, ActivityStatus.ENDED)).isTrue();
        redis(h).hset(Registry.saleKey(sale.id()), "status", Integer.toString(ActivityStatus.ENDED.code()));
    }

    /** Waits until the topic holds {@code messages} and the materializer has committed all of them. */
    private static void awaitMaterialized(long messages) {
        await("events stored").atMost(WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> topicMessages() >= messages);
        await("the materializer consumed and committed everything").atMost(WITHIN)
                .pollInterval(Duration.ofMillis(200)).until(() -> consumeStats().computeTotalDiff() == 0);
    }

    /** Every column of the user_coupons row of {@code sn}; null when there is none. */
    private static Map<String, Object> row(ServiceHarness h, String sn) throws Exception {
        List<Map<String, Object>> rows = query(h, "SELECT * FROM " + Registry.TABLE_USER_COUPONS + " WHERE coupon_sn=?", sn);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static List<Map<String, Object>> conflicts(ServiceHarness h, long activityId) throws Exception {
        return query(h, "SELECT coupon_sn, existing_coupon_sn, user_id, seq, detected_at_ms, resolved_at_ms FROM "
                + Registry.TABLE_GRANT_CONFLICTS + " WHERE activity_id=? ORDER BY id", activityId);
    }

    private static List<Map<String, Object>> query(ServiceHarness h, String sql, Object param) throws Exception {
        try (Connection c = h.service.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
            }
            return out;
        }
    }

    private static long topicMessages() throws Exception {
        long sum = 0;
        for (OffsetWrapper w : consumeStats().getOffsetTable().values()) {
            sum += w.getBrokerOffset();
        }
        return sum;
    }

    // The remoting client exposes its admin calls only through these deprecated accessors.
    @SuppressWarnings("deprecation")
    private static ConsumeStats consumeStats() throws Exception {
        MQClientInstance factory = admin.getDefaultMQProducerImpl().getmQClientFactory();
        ConsumeStats all = new ConsumeStats();
        for (BrokerData broker : factory.getMQClientAPIImpl()
                .getTopicRouteInfoFromNameServer(Registry.TOPIC_COUPON_EVENTS, 3_000).getBrokerDatas()) {
            ConsumeStats stats = factory.getMQClientAPIImpl().getConsumeStats(broker.selectBrokerAddr(),
                    Registry.GROUP_MATERIALIZER, Registry.TOPIC_COUPON_EVENTS, 3_000);
            all.getOffsetTable().putAll(stats.getOffsetTable());
        }
        return all;
    }

    private static String nextSn() {
        return Long.toString(SERIALS.incrementAndGet());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static RedisCommands<String, String> redis(ServiceHarness h) {
        return h.service.redis().connection().sync();
    }

    private JsonNode post(ServiceHarness h, String path, int expectedStatus) throws Exception {
        return send(h, HttpRequest.newBuilder(uri(h, path)).POST(HttpRequest.BodyPublishers.noBody()), expectedStatus);
    }

    private JsonNode get(ServiceHarness h, String path, int expectedStatus) throws Exception {
        return send(h, HttpRequest.newBuilder(uri(h, path)).GET(), expectedStatus);
    }

    private JsonNode send(ServiceHarness h, HttpRequest.Builder request, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + ServiceHarness.OPERATE_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s -> %s", r.uri(), r.body()).isEqualTo(expectedStatus);
        return mapper.readTree(r.body());
    }

    /** One series of GET /metrics (summed over the series matching {@code labels}). */
    private double metric(ServiceHarness h, String name, String... labels) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(h, "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return Exposition.parse(r.body()).all(name, labels).stream().mapToDouble(Exposition.Sample::value).sum();
    }

    private static URI uri(ServiceHarness h, String path) {
        return URI.create("http://127.0.0.1:" + h.service.httpPort() + path);
    }
}
