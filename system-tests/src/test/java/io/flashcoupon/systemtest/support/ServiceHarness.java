package io.flashcoupon.systemtest.support;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.launcher.CouponService;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One real service process for the integration tests of this JVM: embedded broker on free ports,
 * MySQL/MariaDB (database coupon_it, emptied once per run) and Redis (database 1, flushed once per
 * run) where {@link StoreSource} finds them: the environment that scripts/test exports, else
 * Testcontainers when Docker is there, else 127.0.0.1 (refused under CI=true).
 */
public final class ServiceHarness {
    /** MySQL and Redis of this run: from the environment, in containers, or local (see {@link StoreSource}). */
    public static final StoreSource.Endpoints STORES = stores();
    public static final String MYSQL_HOST = STORES.mysqlHost();
    public static final int MYSQL_PORT = STORES.mysqlPort();
    public static final String REDIS_HOST = STORES.redisHost();
    public static final int REDIS_PORT = STORES.redisPort();
    /** Parallel test runs (several developers, one machine) isolate themselves with IT_DB / IT_REDIS_DB. */
    public static final int REDIS_DB = intEnv("IT_REDIS_DB", 1);
    public static final String DB = env("IT_DB", "coupon_it");
    public static final String USER = STORES.mysqlUser();
    public static final String PASSWORD = STORES.mysqlPassword();
    /** business.reconcile.grace-ms of the test service. */
    public static final long RECONCILE_GRACE_MS = 500;
    /** admin.operate-tokens and admin.read-tokens of the test service. */
    public static final String OPERATE_TOKEN = "it-operate-token-0123456789";
    public static final String READ_TOKEN = "it-read-token-0123456789";
    /** The names of the two tokens (admin.*-token-names): what the audit log shows as the actor. */
    public static final String OPERATE_TOKEN_NAME = "it-operator";
    public static final String READ_TOKEN_NAME = "it-reader";
    /** saga.branch-token of the test service: what the tests' Sagas give DTM as branch_headers. */
    public static final String SAGA_BRANCH_TOKEN = "it-saga-branch-token-0123456789";
    /** What a Saga submitter computes from SAGA_BRANCH_TOKEN: each Saga's branch_headers authorization. */
    public static final io.flashcoupon.core.saga.BranchCredential BRANCH_CREDENTIAL =
            io.flashcoupon.core.saga.BranchCredential.of(SAGA_BRANCH_TOKEN);
    /** business.wallet.lock-ttl-ms of the test service. */
    public static final long LOCK_TTL_MS = 900_000;

    private static ServiceHarness shared;
    /** Broker homes made by {@link #config()}, deleted once the shared service has stopped. */
    private static final List<Path> HOMES = new CopyOnWriteArrayList<>();

    public final CouponService service;
    final ManagedChannel channel;
    public final CouponGrpc.CouponBlockingStub blocking;
    public final CouponGrpc.CouponStub async;
    /** The blocking stub with the operate token: the operators' RPCs (StartFlashSale, template writes). */
    public final CouponGrpc.CouponBlockingStub operator;
    public final TemplateRepository templates;
    public final ActivityRepository activities;

    private ServiceHarness(CouponService service) {
        this.service = service;
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.grpcPort()).usePlaintext().build();
        this.blocking = CouponGrpc.newBlockingStub(channel);
        this.async = CouponGrpc.newStub(channel);
        this.operator = asOperator(blocking, OPERATE_TOKEN);
        this.templates = new TemplateRepository(service.dataSource());
        this.activities = new ActivityRepository(service.dataSource());
    }

    public static synchronized ServiceHarness get() throws Exception {
        if (shared == null) {
            resetStores();
            CouponService service = CouponService.start(config(), Clock.systemUTC());
            shared = new ServiceHarness(service);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                shared.channel.shutdownNow();
                shared.service.close();
                HOMES.forEach(TempTree::delete);
            }));
        }
        return shared;
    }

    public static ServiceConfig config() throws IOException {
        int namesrv = freePort();
        int broker = freePortPair();
        Path home = Files.createTempDirectory("coupon-it-rocketmq");
        HOMES.add(home);
        return new ServiceConfig(
                new ServiceConfig.Server("coupon-it", "127.0.0.1", 0, 0, 1, List.of("ingress", "topology", "admin"),
                        30_000),
                new ServiceConfig.Mysql(MYSQL_HOST, MYSQL_PORT, DB, USER, PASSWORD, 30, true),
                new ServiceConfig.Redis(REDIS_HOST, REDIS_PORT, "", REDIS_DB, 3000),
                new ServiceConfig.Rocketmq(true, home.toString(), namesrv, broker, List.of(), 3000),
                new ServiceConfig.Business(new ServiceConfig.Flashsale(64, 512, 200, 1000, 0, 60_000, 0, 128, 4, 200, 10_000), new ServiceConfig.Sink(200, 20),
                        // A short grace so tests re-publish quickly; a long interval so on-demand runs drive them.
                        // Fence checks off (0): a background heal would re-add the stray rows the reconciliation
                        // tests plant and hide what they check; FaultHostCrashIT tests the fence on its own rig.
                        new ServiceConfig.Reconcile(true, RECONCILE_GRACE_MS, 3_600_000, 600_000, 0, 5_000, 2_000),
                        // Jobs off: tests run their passes on demand with an explicit clock.
                        new ServiceConfig.Wallet(LOCK_TTL_MS, false, 3_600_000, 3_600_000, 500, 100, 100, 5_000)),
                new ServiceConfig.Admin(List.of(READ_TOKEN), List.of(OPERATE_TOKEN), false, List.of(READ_TOKEN_NAME),
                        List.of(OPERATE_TOKEN_NAME)),
                new ServiceConfig.Saga(SAGA_BRANCH_TOKEN),
                new ServiceConfig.Cache(10_000, 60_000, 10_000, 2_000, 300_000, 500),
                // A replication id of its own: readers with the same id on one MariaDB throw each other out.
                new ServiceConfig.Cdc(new ServiceConfig.Embedded(true, 1_000_000L + ProcessHandle.current().pid(),
                        home.resolve("cdc").toString(),
                        List.of(Registry.TABLE_TEMPLATES, Registry.TABLE_ACTIVITIES, Registry.TABLE_USER_COUPONS), 20)),
                new ServiceConfig.Tracing("", 1.0));
    }

    /** Empties the test database (creating it if needed) and flushes the test Redis database. */
    private static void resetStores() throws Exception {
        emptyDatabase(DB);
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(
                "redis://" + REDIS_HOST + ":" + REDIS_PORT + "/" + REDIS_DB);
        try (var conn = client.connect()) {
            conn.sync().flushdb();
        } finally {
            client.shutdown();
        }
    }

    /** Creates database {@code db} if needed and drops every table in it (the service migrates it). */
    public static void emptyDatabase(String db) throws Exception {
        String server = "jdbc:mysql://" + MYSQL_HOST + ":" + MYSQL_PORT + "/?allowPublicKeyRetrieval=true&useSSL=false";
        try (Connection c = DriverManager.getConnection(server, USER, PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS `" + db + "` CHARACTER SET utf8mb4");
            st.execute("USE `" + db + "`");
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SHOW TABLES")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            st.execute("SET FOREIGN_KEY_CHECKS=0");
            for (String t : tables) {
                st.execute("DROP TABLE `" + t + "`");
            }
            st.execute("SET FOREIGN_KEY_CHECKS=1");
        }
    }

    Template publishedTemplate(int total) {
        return templates.insert(new Template(0, "IT 5 off", CouponType.FULL_CUT, 500, 0, 0, null, total, 1,
                null, null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null));
    }

    /** A PENDING activity whose window is open now (or as given). */
    public Activity activity(int stock, int perUserLimit, Instant start, Instant end) {
        Template t = publishedTemplate(stock);
        return activities.insert(new Activity(0, t.id(), "IT sale", stock, start, end, perUserLimit,
                ActivityStatus.PENDING));
    }

    /** A started sale of {@code stock} split into {@code segments} Redis segments. */
    public Activity runningSplitSale(int stock, int perUserLimit, int segments) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Template t = publishedTemplate(stock);
        Activity a = activities.insert(new Activity(0, t.id(), "IT split sale", stock, now.minusSeconds(60),
                now.plusSeconds(3600), perUserLimit, ActivityStatus.PENDING, segments));
        operator.withDeadlineAfter(10, TimeUnit.SECONDS)
                .startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(a.id()).build());
        return a;
    }

    public Activity runningSale(int stock, int perUserLimit) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity a = activity(stock, perUserLimit, now.minusSeconds(60), now.plusSeconds(3600));
        operator.withDeadlineAfter(10, TimeUnit.SECONDS)
                .startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(a.id()).build());
        return a;
    }

    /**
     * {@code stub} sending {@code authorization: Bearer <token>} with every call: what the operators'
     * RPCs (StartFlashSale, Create/UpdateCouponTemplate) demand. Not for the Saga branches, which take
     * their Saga's credential instead.
     */
    public static <S extends io.grpc.stub.AbstractStub<S>> S asOperator(S stub, String token) {
        io.grpc.Metadata m = new io.grpc.Metadata();
        m.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A port p with p+1 also free (the broker's HA port). */
    private static int freePortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            int p = freePort();
            try (ServerSocket next = new ServerSocket(p + 1)) {
                return p;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port pair found");
    }

    private static StoreSource.Endpoints stores() {
        Map<String, String> env = System.getenv();
        return switch (StoreSource.choose(env, ContainerStores::dockerAvailable)) {
            case ENVIRONMENT -> StoreSource.fromEnvironment(env);
            case CONTAINERS -> ContainerStores.start();
            case LOCAL_DEFAULTS -> StoreSource.localDefaults(env);
        };
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }

    private static int intEnv(String name, int def) {
        return Integer.parseInt(env(name, Integer.toString(def)));
    }
}
