package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.launcher.CouponService;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.flashcoupon.systemtest.support.TempTree;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service acknowledges nothing Redis has not made durable (redis.durability): on a Redis that
 * would lose acknowledged grants it refuses to start with one line; on one that fsyncs always it
 * starts in fsync_always mode and says so in /metrics. Each test runs its own redis-server (the
 * Debian 7.0 one by default) and its own database. The WAITAOF test needs a Redis 7.2+ binary
 * (system property or env DURABILITY_REDIS72_BINARY) and is skipped without one.
 */
class RedisDurabilityIT {
    private static final String DB = "coupon_it_durability";
    /** The redis-server of dev and CI (Debian's 7.0: no WAITAOF). */
    private static final String REDIS70 = System.getProperty("fault.redis.binary", "/usr/bin/redis-server");
    private static final String REDIS72 = System.getProperty("durability.redis72.binary",
            System.getenv().getOrDefault("DURABILITY_REDIS72_BINARY", ""));

    private final FaultPorts ports = new FaultPorts();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path work;
    private RedisProcess redis;

    @BeforeEach
    void setUp() throws Exception {
        work = Files.createTempDirectory("coupon-durability-");
        ServiceHarness.emptyDatabase(DB);
    }

    @AfterEach
    void tearDown() {
        if (redis != null && redis.alive()) {
            redis.shutdown(Duration.ofSeconds(30));
        }
        TempTree.delete(work);
    }

    @Test
    void on_redis_7_0_with_appendfsync_everysec_the_process_refuses_to_start_with_one_line() {
        redis = startRedis(REDIS70, "everysec");
        Map<String, String> env = ServiceJvms.storesEnv(DB, redis.port);
        int grpc = ports.one();
        int httpPort = ports.one();
        env.put(ConfigLoader.envName("server.grpc-port"), Integer.toString(grpc));
        env.put(ConfigLoader.envName("server.http-port"), Integer.toString(httpPort));
        env.put(ConfigLoader.envName("rocketmq.embedded-home"), work.resolve("rocketmq").toString());
        env.put(ConfigLoader.envName("rocketmq.namesrv-port"), Integer.toString(ports.one()));
        env.put(ConfigLoader.envName("rocketmq.broker-port"), Integer.toString(ports.broker()));
        env.put(ConfigLoader.envName("cdc.embedded.state-dir"), work.resolve("cdc").toString());
        ServiceJvms.Service service = new ServiceJvms.Service("refused", env, work,
                Path.of("target", "durability-logs", "refused.log").toAbsolutePath(), grpc, httpPort);

        int exit = service.runToExit(Duration.ofSeconds(60));

        List<String> refusals = service.logOfThisRun().stream().filter(l -> l.startsWith("start refused: ")).toList();
        System.out.println("[durability] Redis 7.0 appendfsync everysec, redis.durability auto: exit " + exit
                + ", said: " + refusals);
        assertThat(exit).as("Main's exit code for a refused start").isEqualTo(2);
        assertThat(refusals).hasSize(1);
        assertThat(refusals.get(0))
                .contains("redis.durability is auto")
                .contains("at 127.0.0.1:" + redis.port + " runs appendfsync everysec")
                .contains("CONFIG SET appendfsync always");
        assertThat(service.logOfThisRun()).as("refused before the embedded broker started")
                .noneMatch(l -> l.contains("embedded broker") || l.contains("name server"));
    }

    @Test
    void an_explicit_waitaof_on_redis_7_0_is_refused_in_process_before_anything_else_starts() throws Exception {
        redis = startRedis(REDIS70, "always");
        ServiceConfig config = config(redis.port, "waitaof");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> CouponService.start(config, Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redis.durability is waitaof")
                .hasMessageContaining("has no WAITAOF (Redis 7.2+)");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("no broker was started and stopped")
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void on_redis_7_0_with_appendfsync_always_it_starts_in_fsync_always_mode_and_grants() throws Exception {
        redis = startRedis(REDIS70, "always");
        try (CouponService service = CouponService.start(config(redis.port, "auto"), Clock.systemUTC())) {
            Exposition metrics = scrape(service);
            System.out.println("[durability] Redis 7.0 appendfsync always, auto: "
                    + metrics.all("coupon_redis_durability_mode"));
            assertThat(metrics.value("coupon_redis_durability_mode", "mode", "fsync_always")).isEqualTo(1.0);
            assertThat(metrics.all("coupon_redis_durability_mode")).hasSize(1);
            FlashSaleResponse granted = grabOnce(service, 1);
            assertThat(granted.getCode()).isEqualTo(GrabCode.GRANTED);
            assertThat(scrape(service).value("coupon_redis_durability_failures_total")).isZero();
        }
    }

    /**
     * Runs only with a Redis 7.2+ binary: WAITAOF is chosen on appendfsync everysec, a grant waits for
     * it, and a grab whose WAITAOF times out (appendfsync switched to no) is answered UNAVAILABLE,
     * outcome unknown - never GRANTED.
     */
    @Test
    void on_redis_7_2_auto_chooses_waitaof_and_a_grant_it_cannot_confirm_is_not_granted() throws Exception {
        assumeThat(REDIS72).as("a Redis 7.2+ binary (DURABILITY_REDIS72_BINARY)").isNotBlank();
        redis = startRedis(REDIS72, "everysec");
        try (CouponService service = CouponService.start(config(redis.port, "auto"), Clock.systemUTC())) {
            assertThat(scrape(service).value("coupon_redis_durability_mode", "mode", "waitaof")).isEqualTo(1.0);
            assertThat(grabOnce(service, 1).getCode()).isEqualTo(GrabCode.GRANTED);

            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> admin = client.connect()) {
                admin.sync().configSet("appendfsync", "no"); // WAITAOF can no longer see a local fsync
                StatusRuntimeException unknown = grabRefused(service, 2);
                System.out.println("[durability] Redis 7.2 with appendfsync no after start: " + unknown.getStatus());
                assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(unknown.getStatus().getDescription()).contains("outcome is unknown");
                assertThat(scrape(service).value("coupon_redis_durability_failures_total")).isPositive();
                admin.sync().configSet("appendfsync", "always");
            } finally {
                client.shutdown();
            }
            assertThat(grabOnce(service, 3).getCode()).as("durable again").isEqualTo(GrabCode.GRANTED);
        }
    }

    private RedisProcess startRedis(String binary, String appendfsync) {
        RedisProcess r = new RedisProcess(ports.one(), work.resolve("redis"), Path.of("target", "durability-logs",
                "redis-" + appendfsync + ".log").toAbsolutePath(), binary, appendfsync);
        r.start(Duration.ofSeconds(30));
        return r;
    }

    /** The harness's configuration on this test's Redis (db 0) and database, binlog reader off. */
    private static ServiceConfig config(int redisPort, String durability) throws Exception {
        ServiceConfig base = ServiceHarness.config();
        ServiceConfig.Mysql my = base.mysql();
        ServiceConfig.Embedded cdc = base.cdc().embedded();
        ServiceConfig.Server s = base.server();
        // Its own server name: the RocketMQ client instance (name-node-pid) must not be the harness
        // service's in this JVM, whose consumer groups are registered there already.
        ServiceConfig.Server server = new ServiceConfig.Server("durability-it", s.host(), s.grpcPort(), s.httpPort(),
                s.nodeId(), s.roles(), s.shutdownTimeoutMs(), s.nodeIdPolicy(), s.nodeLeaseMs());
        return new ServiceConfig(server,
                new ServiceConfig.Mysql(my.host(), my.port(), DB, my.username(), my.password(), 4, true),
                new ServiceConfig.Redis("127.0.0.1", redisPort, "", 0, 3000, durability, 0, 2000),
                base.rocketmq(), base.business(), base.admin(), base.saga(), base.cache(),
                new ServiceConfig.Cdc(new ServiceConfig.Embedded(false, cdc.serverId(), cdc.stateDir(), cdc.tables(),
                        cdc.pollIntervalMs())),
                base.tracing());
    }

    /** A started one-coupon-per-user sale of 10 in this test's database. */
    private static long sale(CouponService service, ManagedChannel channel) {
        Template t = new TemplateRepository(service.dataSource()).insert(new Template(0, "durability", CouponType.FULL_CUT,
                500, 0, 0, null, 10, 1, null, null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity a = new ActivityRepository(service.dataSource()).insert(new Activity(0, t.id(), "durability", 10,
                now.minusSeconds(60), now.plusSeconds(3600), 1, ActivityStatus.PENDING));
        ServiceHarness.asOperator(CouponGrpc.newBlockingStub(channel), ServiceHarness.OPERATE_TOKEN)
                .withDeadlineAfter(10, TimeUnit.SECONDS).startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(a.id()).build());
        return a.id();
    }

    private Long saleId;

    private FlashSaleResponse grabOnce(CouponService service, long user) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.grpcPort()).usePlaintext()
                .build();
        try {
            if (saleId == null) {
                saleId = sale(service, channel);
            }
            return CouponGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .flashSaleCoupon(FlashSaleRequest.newBuilder().setActivityId(saleId).setUserId(user)
                            .setRequestId("durability-" + user).build());
        } finally {
            channel.shutdownNow();
        }
    }

    private StatusRuntimeException grabRefused(CouponService service, long user) {
        try {
            FlashSaleResponse r = grabOnce(service, user);
            throw new AssertionError("expected no answer for a grant Redis could not confirm, got " + r.getCode());
        } catch (StatusRuntimeException e) {
            return e;
        }
    }

    private Exposition scrape(CouponService service) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + service.httpPort() + "/metrics")).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Exposition.parse(r.body());
    }
}
