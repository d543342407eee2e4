package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ForgedRows;
import io.flashcoupon.topology.reconcile.ReconcileJob;
import io.flashcoupon.core.reconcile.ReconcileMetrics;
import io.flashcoupon.core.reconcile.SaleFiguresReader;
import io.flashcoupon.core.sale.ledger.LedgerCheckBack;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.EventType;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.admin.ConsumeStats;
import org.apache.rocketmq.remoting.protocol.admin.OffsetWrapper;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.junit.jupiter.api.Test;

/**
 * Reconciliation on the real stores and broker: lost events are re-published and materialized,
 * anomalies are reported and left alone, duplicates of one event make one row, and cleanup removes
 * exactly the keys of an ENDED, fully reconciled sale. The service runs with a 500 ms grace and a
 * periodic interval of an hour, so the on-demand runs below drive everything.
 */
class ReconciliationIT {
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final AtomicLong SERIALS = new AtomicLong(8_100_000_000_000_000_000L);
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void grants_whose_row_is_missing_are_re_published_and_materialized_then_the_sale_reconciles_complete()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 1);
        UserCouponRepository rows = rows(h);

        FlashSaleResponse won = grab(h, sale, 3001, null);
        await("row of the grabbed coupon").atMost(WITHIN).until(() -> rows.ownersByActivity(sale.id()).containsKey(won.getCouponSn()));
        String lost = won.getCouponSn();
        long lostGrantedAt = grantedAt(h, sale, lost);
        assertThat(deleteRow(h, lost)).isEqualTo(1);
        String unsent = nextSn();
        long unsentGrantedAt = System.currentTimeMillis() - 2 * ServiceHarness.RECONCILE_GRACE_MS;
        grantInRedisOnly(h, sale, 3002, unsent, unsentGrantedAt);
        System.out.println("injected: deleted the row of " + lost + " (user 3001, a lost event);"
                + " ledger entry " + unsent + " for user 3002 with no event at all");

        await("the grab is older than the grace").atMost(WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> System.currentTimeMillis() - lostGrantedAt >= ServiceHarness.RECONCILE_GRACE_MS);
        JsonNode first = reconcile(h, sale.id(), 200);
        System.out.println("found (first run): " + first);
        assertThat(first.get("republished").get("count").asLong()).isEqualTo(2);
        assertThat(texts(first.get("republished").get("sns"))).containsExactlyInAnyOrder(lost, unsent);
        assertThat(first.get("rows").asLong()).isZero();
        assertThat(first.get("ledger_size").asLong()).isEqualTo(2);
        assertThat(first.get("total").asLong()).isEqualTo(10);
        assertThat(first.get("remaining").asLong()).isEqualTo(8);
        assertThat(first.get("stock_balanced").asBoolean()).isTrue();
        assertThat(first.get("complete").asBoolean()).as("re-published grants are pending").isFalse();

        await("both re-published grants materialized").atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> rows.ownersByActivity(sale.id()).keySet().containsAll(List.of(lost, unsent)));
        UserCoupon restored = only(rows.listByUser(3002, null, 0, 10));
        assertThat(restored.couponSn()).isEqualTo(unsent);
        assertThat(restored.activityId()).isEqualTo(sale.id());
        assertThat(restored.templateId()).as("template of the activity").isEqualTo(sale.templateId());
        assertThat(restored.seq()).as("seq of the ledger").isEqualTo(1);
        assertThat(restored.grantedAtMs()).as("granted_at of the ledger").isEqualTo(unsentGrantedAt);
        assertThat(only(rows.listByUser(3001, null, 0, 10)).grantedAtMs()).isEqualTo(lostGrantedAt);

        JsonNode second = reconcile(h, sale.id(), 200);
        System.out.println("found (second run): " + second);
        assertThat(second.get("complete").asBoolean()).isTrue();
        assertThat(second.get("republished").get("count").asLong()).isZero();
        assertThat(second.get("rows").asLong()).isEqualTo(2);
        JsonNode status = get(h, "/api/v1/activities/" + sale.id() + "/status", 200);
        assertThat(status.get("reconciliation").get("complete").asBoolean()).as("status shows the latest report").isTrue();
        assertThat(status.get("reconciliation").get("ran_at").asText()).isEqualTo(second.get("ran_at").asText());
        SaleInvariants.check(h, sale.id(), 10, 1, WITHIN);
    }

    @Test
    void a_row_without_ledger_entry_is_reported_kept_and_blocks_cleanup() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(5, 1);
        UserCouponRepository rows = rows(h);
        FlashSaleResponse won = grab(h, sale, 3101, null);
        await().atMost(WITHIN).until(() -> rows.ownersByActivity(sale.id()).containsKey(won.getCouponSn()));
        String stray = nextSn();
        ForgedRows.insert(h.service.dataSource(), sale.templateId(), sale.id(), 3199, 1, stray, null);
        System.out.println("injected: user_coupons row " + stray + " (user 3199) with no ledger entry");

        double mismatchRuns = metric(h, "coupon_reconciliation_runs_total", "result", "mismatch");
        JsonNode report = reconcile(h, sale.id(), 200);
        System.out.println("found: " + report);
        assertThat(report.get("rows_without_ledger").get("count").asLong()).isEqualTo(1);
        assertThat(metric(h, "coupon_reconciliation_runs_total", "result", "mismatch")).isEqualTo(mismatchRuns + 1);
        assertThat(metric(h, "coupon_reconciliation_mismatched_sales")).as("alertable").isGreaterThanOrEqualTo(1);
        JsonNode live = get(h, "/api/v1/activities/" + sale.id() + "/live", 200).get("reconciliation");
        assertThat(live.get("complete").asBoolean()).as("the dashboard shows it").isFalse();
        assertThat(live.get("problems").get(0).asText()).contains("without a ledger entry", stray);
        assertThat(texts(report.get("rows_without_ledger").get("sns"))).containsExactly(stray);
        assertThat(report.get("republished").get("count").asLong()).isZero();
        assertThat(report.get("stock_balanced").asBoolean()).as("the stray row is no grant").isTrue();
        assertThat(report.get("complete").asBoolean()).isFalse();
        assertThat(rows.ownersByActivity(sale.id())).as("reported, not deleted").containsEntry(stray, 3199L);

        // The stop endpoint arrives with the lifecycle branch; until then end the sale as it will:
        // MySQL status ENDED and the Redis sale hash status 4.
        end(h, sale);
        JsonNode refused = post(h, "/api/v1/activities/" + sale.id() + "/cleanup", 409);
        System.out.println("found: cleanup answered " + refused);
        assertThat(refused.get("message").asText()).contains("not complete", "without a ledger entry", stray,
                "nothing was removed");
        assertThat(redis(h).exists(Registry.saleKey(sale.id()), Registry.usersKey(sale.id()), Registry.ledgerKey(sale.id())))
                .as("sale, users and ledger keys still there").isEqualTo(3);
        assertThat(rows.ownersByActivity(sale.id())).containsOnlyKeys(won.getCouponSn(), stray);
        JsonNode status = get(h, "/api/v1/activities/" + sale.id() + "/status", 200);
        assertThat(status.get("reconciliation").get("rows_without_ledger").get("count").asLong()).isEqualTo(1);
        assertThat(status.get("cleaned_at").isNull()).isTrue();
    }

    @Test
    void one_event_committed_seven_times_makes_exactly_one_row() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 1);
        UserCouponRepository rows = rows(h);
        String sn = nextSn();
        long grantedAt = System.currentTimeMillis() - 2 * ServiceHarness.RECONCILE_GRACE_MS;
        grantInRedisOnly(h, sale, 3201, sn, grantedAt);
        CouponGrabbed grabbed = CouponGrabbed.newBuilder().setCouponSn(sn).setActivityId(sale.id())
                .setTemplateId(sale.templateId()).setUserId(3201).setSeq(1).setGrantedAtMs(grantedAt).build();

        DefaultMQProducer plain = new DefaultMQProducer("it-reconcile-plain-producer");
        plain.setNamesrvAddr(h.service.namesrvAddr());
        plain.setInstanceName("it-reconcile-plain");
        TransactionMQProducer tx = new TransactionMQProducer("it-reconcile-tx-producer");
        tx.setNamesrvAddr(h.service.namesrvAddr());
        tx.setInstanceName("it-reconcile-tx");
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3));
        tx.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                return new LedgerCheckBack(store::resolve).check(msg::getUserProperty);
            }
        });
        plain.start();
        tx.start();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            long stored = topicMessages(plain);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> republished = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                republished.add(pool.submit(() -> {
                    go.await();
                    return h.service.ledger().republish(grabbed, Segment.only(grabbed.getActivityId()));
                }));
            }
            go.countDown();
            for (Future<Boolean> f : republished) {
                assertThat(f.get(30, TimeUnit.SECONDS)).as("re-publish committed").isTrue();
            }
            // A plain (non-transactional) send to the TRANSACTION topic: the 5.5 broker stores it
            // (only a proxy checks the topic's message type).
            SendResult sent = plain.send(message(grabbed));
            assertThat(sent.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
            TransactionSendResult committed = tx.sendMessageInTransaction(message(grabbed), null);
            assertThat(committed.getLocalTransactionState()).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
            System.out.println("injected: ledger entry " + sn + " (user 3201) without event, then its CouponGrabbed"
                    + " committed 7 times: 5 concurrent republish, 1 plain send, 1 test transactional producer");

            await("all 7 deliveries stored in the topic").atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                    .until(() -> topicMessages(plain) >= stored + 7);
            await("the materializer consumed and committed everything").atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> lag(plain) == 0);
            Map<String, Long> owners = rows.ownersByActivity(sale.id());
            System.out.println("found: " + (topicMessages(plain) - stored) + " messages stored, lag 0, rows " + owners);
            assertThat(owners).containsExactly(Map.entry(sn, 3201L));
            assertThat(countRows(h, sn)).isEqualTo(1);
            assertThat(only(rows.listByUser(3201, null, 0, 10)).grantedAtMs()).isEqualTo(grantedAt);
            assertThat(reconcile(h, sale.id(), 200).get("complete").asBoolean()).isTrue();
            SaleInvariants.check(h, sale.id(), 10, 1, WITHIN);
        } finally {
            pool.shutdownNow();
            plain.shutdown();
            tx.shutdown();
        }
    }

    @Test
    void cleanup_removes_exactly_the_keys_of_an_ended_reconciled_sale_and_refuses_a_running_one() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        RedisCommands<String, String> redis = redis(h);
        Activity ended = h.runningSale(5, 2);
        Activity running = h.runningSale(5, 1);
        grab(h, ended, 3301, "r-3301-1");
        grab(h, ended, 3301, "r-3301-2");
        grab(h, ended, 3302, "r-3302-1");
        grab(h, running, 3303, "r-3303-1");
        new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3)).resolve(ended.id(), nextSn());
        SaleInvariants.check(h, ended.id(), 5, 2, WITHIN);
        SaleInvariants.check(h, running.id(), 5, 1, WITHIN);
        for (String key : Registry.saleKeys(ended.id())) {
            if (!key.equals(Registry.publicationsKey(ended.id()))) {
                assertThat(redis.exists(key)).as("%s exists before cleanup", key).isEqualTo(1);
            }
        }
        assertThat(redis.exists(Registry.publicationsKey(ended.id())))
                .as("the publication outbox is empty: every batch's events were stored").isZero();

        JsonNode whileActive = post(h, "/api/v1/activities/" + ended.id() + "/cleanup", 409);
        assertThat(whileActive.get("message").asText()).contains("is ACTIVE", "only an ENDED sale");
        assertThat(redis.exists(Registry.saleKeys(ended.id()))).isEqualTo(5);

        // The stop endpoint arrives with the lifecycle branch; end the sale as it will.
        end(h, ended);
        Map<String, Map<String, String>> otherBefore = hashes(redis, running.id());
        System.out.println("injected: sale " + ended.id() + " ENDED with 3 grants (5 keys present, the outbox empty), sale "
                + running.id() + " ACTIVE with 1 grant");

        JsonNode cleaned = post(h, "/api/v1/activities/" + ended.id() + "/cleanup", 200);
        System.out.println("found: cleanup answered " + cleaned);
        assertThat(texts(cleaned.get("removed_keys"))).containsExactly(Registry.cleanupKeys(ended.id()));
        assertThat(cleaned.get("keys_deleted").asLong()).isEqualTo(5);
        assertThat(cleaned.get("reconciliation").get("complete").asBoolean()).isTrue();
        assertThat(cleaned.get("reconciliation").get("ledger_size").asLong()).isEqualTo(3);
        for (String key : Registry.saleKeys(ended.id())) {
            assertThat(redis.exists(key)).as("%s after cleanup", key).isZero();
        }
        assertThat(hashes(redis, running.id())).as("the other sale's keys are untouched").isEqualTo(otherBefore);
        assertThat(rows(h).countByActivity(ended.id())).as("rows stay in MySQL").isEqualTo(3);

        JsonNode runningRefused = post(h, "/api/v1/activities/" + running.id() + "/cleanup", 409);
        assertThat(runningRefused.get("message").asText()).contains("is ACTIVE");
        assertThat(redis.exists(Registry.saleKey(running.id()))).isEqualTo(1);

        JsonNode again = post(h, "/api/v1/activities/" + ended.id() + "/cleanup", 409);
        assertThat(again.get("message").asText()).contains("not in Redis", "cleaned up at");
        assertThat(post(h, "/api/v1/activities/" + ended.id() + "/reconcile", 409).get("message").asText())
                .contains("not in Redis");
        JsonNode status = get(h, "/api/v1/activities/" + ended.id() + "/status", 200);
        assertThat(status.get("remaining").isNull()).isTrue();
        assertThat(status.get("cleaned_at").isTextual()).isTrue();
        assertThat(status.get("reconciliation").get("complete").asBoolean()).isTrue();
        List<Long> periodic = new ReconciliationReports(h.service.dataSource()).activitiesToReconcile();
        assertThat(periodic).as("the periodic job skips a cleaned sale").doesNotContain(ended.id()).contains(running.id());
        System.out.println("found: keys of " + ended.id() + " gone, " + running.id() + " unchanged: " + otherBefore.keySet());
    }

    @Test
    void the_periodic_job_skips_a_settled_sale_until_its_figures_move() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(3, 1);
        UserCouponRepository rows = rows(h);
        List<String> sns = new ArrayList<>();
        for (long user = 3301; user <= 3303; user++) {
            sns.add(grab(h, sale, user, null).getCouponSn());
        }
        await("3 rows").atMost(WITHIN).until(() -> rows.countByActivity(sale.id()) == 3);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        ReconcileJob job = new ReconcileJob(() -> List.of(sale.id()), h.service.reconciler(),
                new SaleFiguresReader(new SaleStore(h.service.redis().connection(), Duration.ofSeconds(5)), rows,
                        h.activities),
                new ReconcileMetrics(registry), null, 1_000, 600_000, System::currentTimeMillis);
        ReconciliationReports reports = new ReconciliationReports(h.service.dataSource());

        assertThat(job.runOnce()).as("first run compares in full").isOne();
        Instant complete = reports.find(sale.id()).orElseThrow().report().ranAt();
        assertThat(reports.find(sale.id()).orElseThrow().report().complete()).isTrue();
        assertThat(job.runOnce()).as("sold out, drained, nothing moved: skipped").isZero();
        assertThat(reports.find(sale.id()).orElseThrow().report().ranAt()).as("no new report").isEqualTo(complete);
        assertThat(registry.get("coupon.reconciliation.runs").tag("result", "unchanged").counter().count()).isEqualTo(1.0);

        // A lost row moves the figures (rows 3 -> 2): the next run compares in full and re-publishes it.
        assertThat(deleteRow(h, sns.get(1))).isEqualTo(1);
        await("the grab is older than the grace").atMost(WITHIN)
                .until(() -> System.currentTimeMillis() - grantedAt(h, sale, sns.get(1)) >= ServiceHarness.RECONCILE_GRACE_MS);
        assertThat(job.runOnce()).isOne();
        var found = reports.find(sale.id()).orElseThrow().report();
        System.out.println("after deleting a row: " + found.problems());
        assertThat(found.republished().sns()).containsExactly(sns.get(1));
        await("re-published row").atMost(WITHIN).until(() -> rows.countByActivity(sale.id()) == 3);
        assertThat(job.runOnce()).as("figures moved back, but the last run was not complete").isOne();
        assertThat(reports.find(sale.id()).orElseThrow().report().complete()).isTrue();
        assertThat(job.runOnce()).isZero();
        SaleInvariants.check(h, sale.id(), 3, 1, WITHIN);
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

    /** A grant exactly as the grab script writes it, but without any event: HSET ledger, HINCRBY users and stock. */
    private static void grantInRedisOnly(ServiceHarness h, Activity sale, long user, String sn, long grantedAt) {
        RedisCommands<String, String> redis = redis(h);
        long seq = redis.hincrby(Registry.usersKey(sale.id()), Long.toString(user), 1);
        redis.hset(Registry.ledgerKey(sale.id()), sn, user + ":" + seq + ":" + grantedAt);
        redis.hincrby(Registry.saleKey(sale.id()), "stock", -1);
    }

    private static void end(ServiceHarness h, Activity sale) {
        assertThat(h.activities.transition(sale.id(), ActivityStatus.ACTIVE, ActivityStatus.ENDED)).isTrue();
        redis(h).hset(Registry.saleKey(sale.id()), "status", Integer.toString(ActivityStatus.ENDED.code()));
    }

    private static long grantedAt(ServiceHarness h, Activity sale, String sn) {
        return Long.parseLong(redis(h).hget(Registry.ledgerKey(sale.id()), sn).split(":")[2]);
    }

    private static Map<String, Map<String, String>> hashes(RedisCommands<String, String> redis, long activityId) {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (String key : Registry.saleKeys(activityId)) {
            if (redis.exists(key) == 1) {
                out.put(key, redis.hgetall(key));
            }
        }
        return out;
    }

    private static int deleteRow(ServiceHarness h, String sn) throws Exception {
        try (Connection c = h.service.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + Registry.TABLE_USER_COUPONS + " WHERE coupon_sn=?")) {
            ps.setString(1, sn);
            return ps.executeUpdate();
        }
    }

    private static long countRows(ServiceHarness h, String sn) throws Exception {
        try (Connection c = h.service.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + Registry.TABLE_USER_COUPONS
                        + " WHERE coupon_sn=?")) {
            ps.setString(1, sn);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Message message(CouponGrabbed g) {
        CouponEvent event = CouponEvent.newBuilder().setEventId("grab-" + g.getCouponSn()).setType(EventType.COUPON_GRABBED)
                .setOccurredAtMs(g.getGrantedAtMs()).setGrabbed(g).build();
        Message m = new Message(Registry.TOPIC_COUPON_EVENTS, Registry.TAG_COUPON_GRABBED, g.getCouponSn(),
                event.toByteArray());
        m.putUserProperty(Registry.PROP_ACTIVITY_ID, Long.toString(g.getActivityId()));
        m.putUserProperty(Registry.PROP_COUPON_SN, g.getCouponSn());
        return m;
    }

    /** Messages stored in coupon-events (sum of the queues' max offsets). */
    private static long topicMessages(DefaultMQProducer client) throws Exception {
        long sum = 0;
        for (OffsetWrapper w : consumeStats(client).getOffsetTable().values()) {
            sum += w.getBrokerOffset();
        }
        return sum;
    }

    /** Messages of coupon-events the materializer has not committed yet. */
    private static long lag(DefaultMQProducer client) throws Exception {
        return consumeStats(client).computeTotalDiff();
    }

    // The remoting client exposes its admin calls only through these deprecated accessors.
    @SuppressWarnings("deprecation")
    private static ConsumeStats consumeStats(DefaultMQProducer client) throws Exception {
        MQClientInstance factory = client.getDefaultMQProducerImpl().getmQClientFactory();
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

    private static <T> T only(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static UserCouponRepository rows(ServiceHarness h) {
        return new UserCouponRepository(h.service.dataSource());
    }

    private static RedisCommands<String, String> redis(ServiceHarness h) {
        return h.service.redis().connection().sync();
    }

    private JsonNode reconcile(ServiceHarness h, long activityId, int expectedStatus) throws Exception {
        return post(h, "/api/v1/activities/" + activityId + "/reconcile", expectedStatus);
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
