package io.flashcoupon.systemtest.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.cdc.FlatMessage;
import io.flashcoupon.core.cdc.FlatMessageCodec;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.db.Databases;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.flashcoupon.systemtest.support.TempTree;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two service processes (child JVMs) sharing one broker, one Redis and one MariaDB database; only
 * process A runs the embedded binlog reader. Rows are changed with plain SQL (not through the API)
 * and both processes must serve the change through their caches (L1 and L2 TTLs set to 10 minutes,
 * so only invalidation can make them see it). A tap consumer reads coupon-binlog-topic to count what
 * the reader published.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CacheCoherenceIT {
    static final String DB = ServiceHarness.DB + "_twin";
    static final String TAP_GROUP = "cdc-it-tap";
    // 1 s held on a quiet machine; the CI box runs other JVMs beside it and once took longer (2026-12-07).
    static final Duration WITHIN = Duration.ofSeconds(2);

    static final FaultPorts ports = new FaultPorts();
    static final List<AutoCloseable> closeables = new ArrayList<>();
    static final ConcurrentLinkedQueue<FlatMessage> published = new ConcurrentLinkedQueue<>();
    static final FlatMessageCodec codec = new FlatMessageCodec();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    static Path work;
    static Path logs;
    static RedisProcess redis;
    static StatefulRedisConnection<String, String> redisConnection;
    static ServiceJvms.Broker broker;
    static ServiceJvms.Service a;
    static ServiceJvms.Service b;
    static HikariDataSource db;
    static DefaultMQProducer producer;
    static TemplateRepository templates;
    static ActivityRepository activities;

    @BeforeAll
    static void startTwoProcesses() throws Exception {
        work = Files.createTempDirectory("coupon-cache-coherence-");
        closeables.add(() -> TempTree.delete(work));
        logs = Path.of("target", "cache-coherence-logs").toAbsolutePath();
        Files.createDirectories(logs);
        ServiceHarness.emptyDatabase(DB);
        db = Databases.pool(new ServiceConfig.Mysql(ServiceHarness.MYSQL_HOST, ServiceHarness.MYSQL_PORT, DB,
                ServiceHarness.USER, ServiceHarness.PASSWORD, 4, false), "cache-it-db");
        closeables.add(db);
        templates = new TemplateRepository(db);
        activities = new ActivityRepository(db);

        redis = new RedisProcess(ports.one(), work.resolve("redis"), logs.resolve("redis.log"));
        redis.start(Duration.ofSeconds(30));
        closeables.add(() -> redis.shutdown(Duration.ofSeconds(30)));
        RedisClient client = RedisClient.create(redis.uri());
        redisConnection = client.connect();
        closeables.add(() -> {
            redisConnection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        });

        broker = new ServiceJvms.Broker("broker", work.resolve("rocketmq"), work, logs.resolve("broker.log"),
                ports.one(), ports.broker());
        closeables.add(broker::stop);
        broker.start(Duration.ofSeconds(90));

        a = service("service-a", 1, true);
        a.start(Duration.ofSeconds(120));
        b = service("service-b", 2, false);
        b.start(Duration.ofSeconds(120));

        TopicProvisioner.provision(broker.namesrvAddr(), List.of(TAP_GROUP), Duration.ofSeconds(60));
        DefaultMQPushConsumer tap = new DefaultMQPushConsumer(TAP_GROUP);
        tap.setNamesrvAddr(broker.namesrvAddr());
        tap.setInstanceName("cdc-it-tap");
        tap.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        // Only what the reader published (its tag is the table); the test's own sends are tagged "it".
        tap.subscribe(Registry.TOPIC_BINLOG, Registry.TABLE_TEMPLATES + " || " + Registry.TABLE_ACTIVITIES);
        tap.setMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            msgs.forEach(m -> published.add(codec.decode(m.getBody())));
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        tap.start();
        closeables.add(tap::shutdown);
        producer = new DefaultMQProducer("cdc-it-canal");
        producer.setNamesrvAddr(broker.namesrvAddr());
        producer.setInstanceName("cdc-it-canal");
        producer.start();
        closeables.add(producer::shutdown);

        // The reader streams once a row it did not see before comes through.
        Template probe = template("probe");
        await("the binlog reader of A publishes a new row").atMost(Duration.ofSeconds(60))
                .until(() -> count(m -> is(m, Registry.TABLE_TEMPLATES, "INSERT", probe.id())) == 1);
    }

    static ServiceJvms.Service service(String name, int nodeId, boolean cdc) {
        int grpc = ports.one();
        int httpPort = ports.one();
        Map<String, String> env = new HashMap<>();
        env.put(ConfigLoader.envName("server.name"), name);
        env.put(ConfigLoader.envName("server.node-id"), Integer.toString(nodeId));
        env.put(ConfigLoader.envName("server.grpc-port"), Integer.toString(grpc));
        env.put(ConfigLoader.envName("server.http-port"), Integer.toString(httpPort));
        env.putAll(ServiceJvms.storesEnv(DB, redis.port));
        env.put(ConfigLoader.envName("admin.read-tokens"), ServiceHarness.READ_TOKEN);
        env.put(ConfigLoader.envName("rocketmq.embedded"), "false");
        env.put(ConfigLoader.envName("rocketmq.nameservers"), broker.namesrvAddr());
        env.put(ConfigLoader.envName("business.reconcile.enabled"), "false");
        // Only an invalidation can make a process see a change within the test's deadlines.
        env.put(ConfigLoader.envName("business.flashsale.activity-cache-ms"), "600000");
        env.put(ConfigLoader.envName("cache.template-l1-ttl-ms"), "600000");
        env.put(ConfigLoader.envName("cache.negative-ttl-ms"), "600000");
        env.put(ConfigLoader.envName("cache.l2-ttl-ms"), "600000");
        env.put(ConfigLoader.envName("business.reads.wallet-cache-ms"), "600000");
        env.put(ConfigLoader.envName("cdc.embedded.enabled"), Boolean.toString(cdc));
        env.put(ConfigLoader.envName("cdc.embedded.state-dir"), work.resolve("cdc-" + name).toString());
        env.put(ConfigLoader.envName("cdc.embedded.server-id"),
                Long.toString(10_000_000L + ProcessHandle.current().pid()));
        ServiceJvms.Service s = new ServiceJvms.Service(name, env, work, logs.resolve(name + ".log"), grpc, httpPort);
        closeables.add(s::stop);
        return s;
    }

    @AfterAll
    static void stopAll() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                System.out.println("cleanup: " + e);
            }
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    @Order(1)
    void updates_and_deletes_made_in_mysql_are_served_by_both_processes_within_a_second() throws Exception {
        double[] before = invalidations();
        Template t = template("v1");
        Activity x = activity(t, "v1");
        // Let both processes finish with the INSERT events (each drop runs twice) before filling the caches.
        await("both processes applied the two INSERT events").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).until(() -> {
                    double[] now = invalidations();
                    for (int i = 0; i < now.length; i++) {
                        if (now[i] < before[i] + 2) {
                            return false;
                        }
                    }
                    return true;
                });
        for (ServiceJvms.Service s : List.of(a, b)) {
            assertThat(get(s, "templates", t.id()).body()).contains("\"v1\"");
            assertThat(get(s, "activities", x.id()).body()).contains("\"v1\"");
        }
        assertThat(redisConnection.sync().exists(Registry.templateCacheKey(t.id()),
                Registry.activityCacheKey(x.id()))).as("both rows were filled into L2").isEqualTo(2);

        long t0 = System.nanoTime();
        sql("UPDATE coupon_templates SET name = 'v2' WHERE id = ?", t.id());
        sql("UPDATE flash_sale_activities SET name = 'v2', status = 3 WHERE id = ?", x.id());
        await("both processes serve the updates").atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> served(t.id(), x.id(), "\"v2\""));
        System.out.printf("[cache-coherence] UPDATE served by both processes after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(get(b, "activities", x.id()).body()).contains("\"PAUSED\"");

        t0 = System.nanoTime();
        sql("DELETE FROM flash_sale_activities WHERE id = ?", x.id());
        sql("DELETE FROM coupon_templates WHERE id = ?", t.id());
        await("both processes answer 404").atMost(WITHIN).pollInterval(Duration.ofMillis(10)).until(() ->
                get(a, "templates", t.id()).statusCode() == 404 && get(b, "templates", t.id()).statusCode() == 404
                        && get(a, "activities", x.id()).statusCode() == 404
                        && get(b, "activities", x.id()).statusCode() == 404);
        System.out.printf("[cache-coherence] DELETE served by both processes after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    @Order(2)
    void an_insert_ends_the_remembered_absence_of_its_id_at_once() throws Exception {
        Template t = template("existing");
        long next = t.id() + 1;
        assertThat(get(a, "templates", next).statusCode()).isEqualTo(404);
        assertThat(get(b, "templates", next).statusCode()).isEqualTo(404);
        Template inserted = template("inserted");
        assertThat(inserted.id()).isEqualTo(next);
        await("both processes serve the inserted id").atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> get(a, "templates", next).statusCode() == 200
                        && get(b, "templates", next).statusCode() == 200);
    }

    @Test
    @Order(3)
    void the_same_flat_message_delivered_twice_changes_nothing_more_and_sale_keys_are_never_touched()
            throws Exception {
        Template t = template("sale");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity sale = activities.insert(new Activity(0, t.id(), "running", 10, now.minusSeconds(60),
                now.plusSeconds(3600), 1, ActivityStatus.PENDING));
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", a.grpcPort).usePlaintext().build();
        try {
            ServiceHarness.asOperator(CouponGrpc.newBlockingStub(channel),
                            io.flashcoupon.core.config.ConfigValidator.DEV_TOKEN)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(sale.id()).build());
        } finally {
            channel.shutdownNow();
        }
        Map<String, Map<String, String>> saleBefore = saleKeys(sale.id());
        assertThat(saleBefore.get(Registry.saleKey(sale.id()))).isNotEmpty();

        sql("UPDATE flash_sale_activities SET name = 'renamed' WHERE id = ?", sale.id());
        await("the rename is served").atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> get(a, "activities", sale.id()).body().contains("\"renamed\"")
                        && get(b, "activities", sale.id()).body().contains("\"renamed\""));
        FlatMessage rename = await().atMost(Duration.ofSeconds(5)).until(
                () -> published.stream().filter(m -> is(m, Registry.TABLE_ACTIVITIES, "UPDATE", sale.id())
                        && m.data().get(0).get("name").equals("renamed")).findFirst().orElse(null),
                m -> m != null);
        double applied = metric(b, "coupon_cdc_messages_total{result=\"applied\"}");

        send(codec.encode(rename));
        send(codec.encode(rename));
        await("B applied both duplicates").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> metric(b, "coupon_cdc_messages_total{result=\"applied\"}") >= applied + 2);
        for (ServiceJvms.Service s : List.of(a, b)) {
            assertThat(get(s, "activities", sale.id()).body()).contains("\"renamed\"", "\"ACTIVE\"");
        }
        assertThat(saleKeys(sale.id())).as("the sale's Redis keys after invalidations").isEqualTo(saleBefore);
    }

    @Test
    @Order(4)
    void changes_made_while_the_reader_is_stopped_arrive_once_when_it_starts_and_canal_messages_work_alike()
            throws Exception {
        a.stop();
        // Rows made while nobody reads the binlog, then cached by B: only a message can change what B serves.
        Template t = template("before-stop");
        Activity x = activity(t, "before-stop");
        assertThat(get(b, "templates", t.id()).body()).contains("\"before-stop\"");
        assertThat(get(b, "activities", x.id()).body()).contains("\"before-stop\"");
        sql("UPDATE coupon_templates SET name = 'while-stopped-1' WHERE id = ?", t.id());
        sql("UPDATE coupon_templates SET name = 'while-stopped-2' WHERE id = ?", t.id());
        Template insertedWhileStopped = template("inserted-while-stopped");
        sql("UPDATE flash_sale_activities SET name = 'by-canal' WHERE id = ?", x.id());

        // Nobody reads the binlog now; a Canal server's flat message of the activity change drives B alone.
        assertThat(get(b, "activities", x.id()).body()).contains("\"before-stop\"");
        String canal = fixture("/canal/update-activity.json").replace("${database}", DB)
                .replace("${id}", Long.toString(x.id())).replace("${template_id}", Long.toString(t.id()))
                .replace("${name}", "by-canal").replace("${old_name}", "before-stop");
        long t0 = System.nanoTime();
        send(canal.getBytes(StandardCharsets.UTF_8));
        await("B serves the change a Canal message announced").atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> get(b, "activities", x.id()).body().contains("\"by-canal\""));
        System.out.printf("[cache-coherence] Canal fixture served by B after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(get(b, "templates", t.id()).body()).as("no reader yet").contains("\"before-stop\"");

        a.start(Duration.ofSeconds(120));
        await("the reader publishes what changed while it was stopped").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> get(b, "templates", t.id()).body().contains("\"while-stopped-2\""));
        Predicate<FlatMessage> templateUpdate = m -> is(m, Registry.TABLE_TEMPLATES, "UPDATE", t.id());
        Predicate<FlatMessage> insert = m -> is(m, Registry.TABLE_TEMPLATES, "INSERT", insertedWhileStopped.id());
        Predicate<FlatMessage> activityUpdate = m -> is(m, Registry.TABLE_ACTIVITIES, "UPDATE", x.id());
        Predicate<FlatMessage> inserts = m -> is(m, Registry.TABLE_TEMPLATES, "INSERT", t.id())
                || is(m, Registry.TABLE_ACTIVITIES, "INSERT", x.id());
        await("each change published exactly once").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20))
                .until(() -> count(templateUpdate) == 2 && count(insert) == 1 && count(activityUpdate) == 1
                        && count(inserts) == 2);
        assertThat(published.stream().filter(templateUpdate).map(m -> m.data().get(0).get("name")))
                .containsExactly("while-stopped-1", "while-stopped-2");
        assertThat(get(a, "templates", insertedWhileStopped.id()).statusCode()).isEqualTo(200);
        assertThat(get(a, "activities", x.id()).body()).contains("\"by-canal\"");
    }

    @Test
    @Order(5)
    void template_reads_over_grpc_serve_a_change_made_in_mysql_on_both_processes_within_a_second() throws Exception {
        Template t = template("g1");
        long unknown = t.id() + 1_000;
        for (ServiceJvms.Service s : List.of(a, b)) {
            await("the INSERT reached " + s).atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                    .until(() -> grpcName(s, t.id()).equals("g1") && publishedNames(s).contains("g1"));
            assertThat(grpcStatus(s, unknown)).as("an unknown id").isEqualTo(io.grpc.Status.Code.NOT_FOUND);
        }
        long t0 = System.nanoTime();
        sql("UPDATE coupon_templates SET name = 'g2' WHERE id = ?", t.id());
        await("both processes serve the rename over gRPC").atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> grpcName(a, t.id()).equals("g2") && grpcName(b, t.id()).equals("g2")
                        && publishedNames(a).contains("g2") && publishedNames(b).contains("g2"));
        System.out.printf("[cache-coherence] template rename served over gRPC by both processes after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        sql("UPDATE coupon_templates SET status = 3 WHERE id = ?", t.id());
        await("both processes drop the disabled template from the published list").atMost(WITHIN)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> !publishedNames(a).contains("g2") && !publishedNames(b).contains("g2"));
    }

    @Test
    @Order(6)
    void a_won_coupon_and_a_change_of_its_state_in_mysql_reach_both_processes_wallet_reads_within_a_second()
            throws Exception {
        Template t = template("wallet");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity sale = activities.insert(new Activity(0, t.id(), "wallet sale", 10, now.minusSeconds(60),
                now.plusSeconds(3600), 1, ActivityStatus.PENDING));
        ServiceHarness.asOperator(stub(a), io.flashcoupon.core.config.ConfigValidator.DEV_TOKEN)
                .startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(sale.id()).build());
        long user = 77_000_000L + sale.id();
        for (ServiceJvms.Service s : List.of(a, b)) {
            assertThat(walletSns(s, user)).as("an empty wallet, now cached by " + s).isEmpty();
            assertThat(orderCoupons(s, user)).isEmpty();
        }
        io.flashcoupon.proto.v1.FlashSaleResponse won = stub(a).flashSaleCoupon(io.flashcoupon.proto.v1.FlashSaleRequest
                .newBuilder().setActivityId(sale.id()).setUserId(user).build());
        assertThat(won.getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        await("the row is committed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .until(() -> rowStatus(won.getCouponSn()) == 1);
        long t0 = System.nanoTime();
        await("both processes' wallets show the won coupon").atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> walletSns(a, user).contains(won.getCouponSn())
                        && walletSns(b, user).contains(won.getCouponSn()));
        System.out.printf("[cache-coherence] won coupon in both wallets %d ms after its row was committed%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(orderCoupons(b, user)).as("GetAvailableCouponsForOrder reads the same wallet").hasSize(1)
                .allSatisfy(c -> assertThat(c.getUsable()).isTrue());

        t0 = System.nanoTime();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE user_coupons SET status = 4 WHERE coupon_sn = ?")) {
            ps.setString(1, won.getCouponSn());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        await("both processes serve the coupon EXPIRED").atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> walletStatus(a, user) == io.flashcoupon.proto.v1.UserCouponStatus.EXPIRED
                        && walletStatus(b, user) == io.flashcoupon.proto.v1.UserCouponStatus.EXPIRED);
        System.out.printf("[cache-coherence] coupon state change in both wallets after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(orderCoupons(a, user)).allSatisfy(c -> assertThat(c.getUsable()).isFalse());
    }

    // ------------------------------------------------------------------ helpers

    static final Map<Integer, ManagedChannel> channels = new java.util.concurrent.ConcurrentHashMap<>();

    static CouponGrpc.CouponBlockingStub stub(ServiceJvms.Service s) {
        ManagedChannel ch = channels.computeIfAbsent(s.grpcPort, port -> {
            ManagedChannel c = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            closeables.add(c::shutdownNow);
            return c;
        });
        return CouponGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    static String grpcName(ServiceJvms.Service s, long templateId) {
        return stub(s).getCouponTemplate(io.flashcoupon.proto.v1.GetTemplateRequest.newBuilder().setId(templateId)
                .build()).getTemplate().getName();
    }

    static io.grpc.Status.Code grpcStatus(ServiceJvms.Service s, long templateId) {
        try {
            stub(s).getCouponTemplate(io.flashcoupon.proto.v1.GetTemplateRequest.newBuilder().setId(templateId).build());
            return io.grpc.Status.Code.OK;
        } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    /** Names on the first page of PUBLISHED templates (200, newest first) served by {@code s}. */
    static List<String> publishedNames(ServiceJvms.Service s) {
        return stub(s).listCouponTemplates(io.flashcoupon.proto.v1.ListTemplatesRequest.newBuilder()
                .setStatus(io.flashcoupon.proto.v1.TemplateStatus.PUBLISHED).setPageSize(200).build())
                .getTemplatesList().stream().map(io.flashcoupon.proto.v1.Template::getName).toList();
    }

    static List<String> walletSns(ServiceJvms.Service s, long user) {
        return stub(s).getUserCoupons(io.flashcoupon.proto.v1.GetUserCouponsRequest.newBuilder().setUserId(user)
                .build()).getCouponsList().stream().map(io.flashcoupon.proto.v1.UserCoupon::getCouponSn).toList();
    }

    static io.flashcoupon.proto.v1.UserCouponStatus walletStatus(ServiceJvms.Service s, long user) {
        return stub(s).getUserCoupons(io.flashcoupon.proto.v1.GetUserCouponsRequest.newBuilder().setUserId(user)
                .build()).getCoupons(0).getStatus();
    }

    static List<io.flashcoupon.proto.v1.CouponAvailability> orderCoupons(ServiceJvms.Service s, long user) {
        return stub(s).getAvailableCouponsForOrder(io.flashcoupon.proto.v1.OrderCouponsRequest.newBuilder()
                .setUserId(user).addItems(io.flashcoupon.proto.v1.OrderItem.newBuilder().setGoodsId(1)
                        .setCategoryId(1).setQuantity(1).setUnitPriceCents(10_000)).build()).getCouponsList();
    }

    static int rowStatus(String couponSn) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT status FROM user_coupons WHERE coupon_sn = ?")) {
            ps.setString(1, couponSn);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    static Template template(String name) {
        return templates.insert(new Template(0, name, CouponType.FULL_CUT, 500, 0, 0, null, 100, 1, null, null, 30,
                null, null, null, null, TemplateStatus.PUBLISHED, null, null));
    }

    static Activity activity(Template t, String name) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return activities.insert(new Activity(0, t.id(), name, 100, now.minusSeconds(60), now.plusSeconds(3600), 1,
                ActivityStatus.PENDING));
    }

    static void sql(String statement, long id) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setLong(1, id);
            assertThat(ps.executeUpdate()).as(statement).isEqualTo(1);
        }
    }

    static HttpResponse<String> get(ServiceJvms.Service s, String kind, long id) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort + "/api/v1/" + kind + "/" + id))
                .header("Authorization", "Bearer " + ServiceHarness.READ_TOKEN)
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static boolean served(long templateId, long activityId, String text) throws Exception {
        for (ServiceJvms.Service s : List.of(a, b)) {
            if (!get(s, "templates", templateId).body().contains(text)
                    || !get(s, "activities", activityId).body().contains(text)) {
                return false;
            }
        }
        return true;
    }

    /** coupon_cache_invalidations_total of template and activity in A and B. */
    static double[] invalidations() throws Exception {
        return new double[] {
            metric(a, "coupon_cache_invalidations_total{cache=\"template\"}"),
            metric(a, "coupon_cache_invalidations_total{cache=\"activity\"}"),
            metric(b, "coupon_cache_invalidations_total{cache=\"template\"}"),
            metric(b, "coupon_cache_invalidations_total{cache=\"activity\"}")
        };
    }

    static double metric(ServiceJvms.Service s, String series) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    /**
     * The sale's Redis keys as invalidation could touch them: everything but the fence checker's lease
     * (`lease_until`, renewed on its own schedule by the topology's fence job).
     */
    static Map<String, Map<String, String>> saleKeys(long activityId) {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (String key : Registry.saleKeys(activityId)) {
            Map<String, String> fields = new HashMap<>(redisConnection.sync().hgetall(key));
            fields.remove("lease_until");
            out.put(key, fields);
        }
        return out;
    }

    static void send(byte[] body) throws Exception {
        assertThat(producer.send(new Message(Registry.TOPIC_BINLOG, "it", body), 10_000).getSendStatus())
                .isEqualTo(SendStatus.SEND_OK);
    }

    static boolean is(FlatMessage m, String table, String type, long id) {
        return DB.equals(m.database()) && table.equals(m.table()) && type.equals(m.type()) && m.data() != null
                && m.data().stream().anyMatch(row -> Long.toString(id).equals(row.get("id")));
    }

    static long count(Predicate<FlatMessage> p) {
        return published.stream().filter(p).count();
    }

    static String fixture(String resource) throws IOException {
        try (InputStream in = CacheCoherenceIT.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
