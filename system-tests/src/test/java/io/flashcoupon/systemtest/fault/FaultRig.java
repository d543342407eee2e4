package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.db.Databases;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.flashcoupon.systemtest.support.TempTree;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * What every fault test needs: its own redis-server, the database {@code coupon_it_faults} emptied,
 * free ports, a work directory (deleted afterwards) and a log directory under target/fault-logs (kept),
 * the service's environment, a sale, and the checks after the faults. Prints a timeline.
 */
final class FaultRig implements AutoCloseable {
    static final String DB = System.getProperty("fault.db", "coupon_it_faults");

    final String name;
    final long seed;
    final Random random;
    final FaultPorts ports = new FaultPorts();
    final Path work;
    final Path logs;
    private final long t0 = System.nanoTime();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private RedisProcess redis;
    private RedisClient redisClient;
    private StatefulRedisConnection<String, String> redisConnection;
    private HikariDataSource db;
    private ManagedChannel channel;
    private boolean keepWork;
    /** Configuration the scenario adds to (or overrides in) the service's environment, by srv.yaml key. */
    final Map<String, String> config = new HashMap<>();

    FaultRig(String name) {
        this.name = name;
        String fixed = System.getProperty("fault.seed");
        this.seed = fixed == null || fixed.isBlank() ? System.nanoTime() : Long.parseLong(fixed);
        this.random = new Random(seed);
        try {
            this.work = Files.createTempDirectory("coupon-" + name + "-");
            String started = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            this.logs = Path.of("target", "fault-logs", name + "-" + started).toAbsolutePath();
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log("seed %d (rerun with -Dfault.seed=%d), logs in %s, work in %s, load average %s", seed, seed, logs, work,
                loadAverage());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** "t=12.3 s": when {@code moment} was taken, on the timeline's clock. */
    String at(GrabLoad.Snapshot moment) {
        return String.format("t=%.1f s", (moment.nanos() - t0) / 1e9);
    }

    /** Prints a line of the test's timeline, prefixed with the seconds since the rig was made. */
    void log(String format, Object... args) {
        System.out.printf("[%s %6.1f s] %s%n", name, (System.nanoTime() - t0) / 1e9, String.format(format, args));
    }

    // ------------------------------------------------------------------ Redis

    /** Starts this test's own redis-server (AOF, appendfsync always) and a client the test reads it with. */
    RedisProcess startRedis() {
        redis = new RedisProcess(ports.one(), work.resolve("redis"), logs.resolve("redis.log"));
        redis.start(Duration.ofSeconds(30));
        closeables.add(() -> {
            if (redis.alive()) {
                redis.shutdown(Duration.ofSeconds(30));
            }
        });
        redisClient = RedisClient.create(redis.uri());
        redisConnection = redisClient.connect();
        closeables.add(() -> {
            redisConnection.close();
            redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        });
        log("own redis-server on 127.0.0.1:%d (appendonly yes, appendfsync always)", redis.port);
        return redis;
    }

    RedisCommands<String, String> redis() {
        return redisConnection.sync();
    }

    // ------------------------------------------------------------------ MySQL

    /** Creates the test database if needed and drops every table in it (the service migrates it). */
    void resetDatabase() throws Exception {
        ServiceHarness.emptyDatabase(DB);
        db = Databases.pool(mysql(), "fault-test-db");
        closeables.add(db);
    }

    HikariDataSource db() {
        return db;
    }

    private static ServiceConfig.Mysql mysql() {
        return new ServiceConfig.Mysql(ServiceHarness.MYSQL_HOST, ServiceHarness.MYSQL_PORT, DB, ServiceHarness.USER,
                ServiceHarness.PASSWORD, 4, false);
    }

    // ------------------------------------------------------------------ processes

    /**
     * The service's environment: its ports, this test's database and Redis, and either an embedded
     * broker (home and ports) or an external name server; per-user rate limit out of the way.
     */
    Map<String, String> serviceEnv(int grpcPort, int httpPort, Path embeddedHome, int namesrvPort, int brokerPort,
            boolean embedded) {
        Map<String, String> env = new HashMap<>();
        env.put(ConfigLoader.envName("server.name"), "fault");
        env.put(ConfigLoader.envName("server.grpc-port"), Integer.toString(grpcPort));
        env.put(ConfigLoader.envName("server.http-port"), Integer.toString(httpPort));
        env.putAll(ServiceJvms.storesEnv(DB, redis.port));
        env.put(ConfigLoader.envName("rocketmq.embedded"), Boolean.toString(embedded));
        if (embedded) {
            env.put(ConfigLoader.envName("rocketmq.embedded-home"), embeddedHome.toAbsolutePath().toString());
            env.put(ConfigLoader.envName("rocketmq.namesrv-port"), Integer.toString(namesrvPort));
            env.put(ConfigLoader.envName("rocketmq.broker-port"), Integer.toString(brokerPort));
        } else {
            env.put(ConfigLoader.envName("rocketmq.nameservers"), "127.0.0.1:" + namesrvPort);
        }
        env.put(ConfigLoader.envName("business.flashsale.max-qps-per-user"), "100000");
        // The binlog reader's offsets in this test's work directory, and a replication id of its own.
        env.put(ConfigLoader.envName("cdc.embedded.state-dir"), work.resolve("cdc").toAbsolutePath().toString());
        env.put(ConfigLoader.envName("cdc.embedded.server-id"), Long.toString(20_000_000L + ProcessHandle.current().pid()));
        config.forEach((key, value) -> env.put(ConfigLoader.envName(key), value));
        return env;
    }

    /** A service with an embedded broker whose home and ports stay the same across restarts. */
    ServiceJvms.Service embeddedService() {
        int namesrv = ports.one();
        int broker = ports.broker();
        int grpc = ports.one();
        int http = ports.one();
        ServiceJvms.Service service = new ServiceJvms.Service("service", serviceEnv(grpc, http,
                work.resolve("rocketmq"), namesrv, broker, true), work, logs.resolve("service.log"), grpc, http);
        closeables.add(service::stop);
        log("service: gRPC %d, http %d, embedded name server %d, broker %d/%d/%d", grpc, http, namesrv, broker - 2,
                broker, broker + 1);
        return service;
    }

    /** A service that uses the name server of {@code broker}. */
    ServiceJvms.Service externalBrokerService(ServiceJvms.Broker broker) {
        int grpc = ports.one();
        int http = ports.one();
        ServiceJvms.Service service = new ServiceJvms.Service("service", serviceEnv(grpc, http, null,
                broker.namesrvPort, broker.brokerPort, false), work, logs.resolve("service.log"), grpc, http);
        closeables.add(service::stop);
        log("service: gRPC %d, http %d, name server %s", grpc, http, broker.namesrvAddr());
        return service;
    }

    /** BrokerMain as its own process, home and ports fixed for the test. */
    ServiceJvms.Broker broker() {
        int namesrv = ports.one();
        int port = ports.broker();
        ServiceJvms.Broker broker = new ServiceJvms.Broker("broker", work.resolve("rocketmq"), work,
                logs.resolve("broker.log"), namesrv, port);
        closeables.add(broker::stop);
        log("broker: name server %d, broker %d/%d/%d", namesrv, port - 2, port, port + 1);
        return broker;
    }

    /** One channel to the service's gRPC port for the whole test (it reconnects after restarts). */
    ManagedChannel channel(ServiceJvms.Service service) {
        if (channel == null) {
            channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.grpcPort).usePlaintext().build();
            closeables.add(() -> {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            });
        }
        return channel;
    }

    // ------------------------------------------------------------------ the sale

    /** A published template and an activity open from a minute ago for an hour, started over gRPC. */
    Activity startSale(ServiceJvms.Service service, int stock, int perUserLimit) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Template t = new TemplateRepository(db).insert(new Template(0, name + " 5 off", CouponType.FULL_CUT, 500, 0, 0,
                null, stock, 1, null, null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null));
        Activity a = new ActivityRepository(db).insert(new Activity(0, t.id(), name + " sale", stock,
                now.minusSeconds(60), now.plusSeconds(3600), perUserLimit, ActivityStatus.PENDING));
        CouponGrpc.newBlockingStub(channel(service)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(a.id()).build());
        log("sale %d started: stock %d, per-user limit %d", a.id(), stock, perUserLimit);
        return a;
    }

    GrabLoad load(ServiceJvms.Service service, Activity sale, int users, int inFlight) {
        GrabLoad load = new GrabLoad(CouponGrpc.newStub(channel(service)), sale.id(), 5_000_000L, users,
                sale.perUserLimit(), inFlight, Duration.ofSeconds(10), 60, random.nextLong());
        closeables.add(load);
        log("load: %d users drawn at random for stock %d, %d grabs in flight, 10 s deadline, unique request_id,"
                + " transient failures retried with the same request_id", users, sale.totalCount(), inFlight);
        return load;
    }

    /**
     * A random moment for the k-th of {@code of} faults while grants still flow, as a number of coupons
     * granted: in the k-th band of the stock (10-25 %, 35-50 %, 60-75 % for three faults).
     */
    int faultPoint(int k, int of, int stock) {
        double band = (double) (k - 1) / of;
        return (int) (stock * (0.10 + band * 0.75 + random.nextDouble() * 0.15));
    }

    /** Waits until the client has been told GRANTED for {@code coupons} coupons; {@code alive} checks the processes. */
    void awaitGranted(GrabLoad load, int coupons, Runnable alive) {
        await("client sees " + coupons + " coupons granted").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    alive.run();
                    return load.grantedCoupons() >= coupons;
                });
    }

    /**
     * Drives on until the sale has sold out (100+ SOLD_OUT replies) and 2000+ grabs got a reply, then
     * stops new grabs and waits until every grab is settled (or given up after its attempts).
     */
    void finishLoad(GrabLoad load, Runnable alive, List<String> injected) {
        await("the sale sells out and 2000+ grabs get a reply").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    alive.run();
                    return load.outcome("SOLD_OUT") >= 100 && load.replies() >= 2_000;
                });
        load.stopNew();
        await("every grab settled or given up").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                .until(load::drained);
        log("load stopped: %s", load.summary());
        injected.forEach(l -> log("injected: %s", l));
    }

    long ledgerSize(long activityId) {
        return redis().hlen(Registry.ledgerKey(activityId));
    }

    // ------------------------------------------------------------------ the checks

    /**
     * Waits (deadline {@code within}) until every grant of the ledger is a row (check-backs done,
     * materializer caught up), then checks the invariants and that every coupon the client was told
     * GRANTED is in MySQL with the coupon_sn it was given, for the user it was given to.
     */
    void verify(Activity sale, GrabLoad load, Duration within) {
        long id = sale.id();
        UserCouponRepository rows = new UserCouponRepository(db);
        long[] last = new long[2];
        long waitStart = System.nanoTime();
        try {
            await("ledger size == user_coupons rows of activity " + id).atMost(within)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        last[0] = ledgerSize(id);
                        last[1] = rows.countByActivity(id);
                        return last[0] == last[1];
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("after " + within + " the ledger holds " + last[0] + " grants but MySQL "
                    + last[1] + " rows; " + difference(id, rows, load), e);
        }
        log("materialized: ledger %d == rows %d, %.1f s after the load stopped", last[0], last[1],
                (System.nanoTime() - waitStart) / 1e9);

        Map<String, String> ledger = SaleInvariants.check(redis(), db, id, sale.totalCount(), sale.perUserLimit(),
                Duration.ofSeconds(10));
        Map<String, Long> owners = rows.ownersByActivity(id);
        Map<String, GrabLoad.Grant> grants = load.grants();
        List<String> missing = new ArrayList<>();
        grants.forEach((sn, g) -> {
            Long owner = owners.get(sn);
            if (owner == null || owner != g.user()) {
                missing.add(sn + " (told to user " + g.user() + " for request " + g.requestId() + "; row owner " + owner
                        + ", ledger " + ledger.get(sn) + ")");
            }
        });
        long stock = Long.parseLong(redis().hget(Registry.saleKey(id), "stock"));
        long voided = redis().hlen(Registry.voidKey(id));
        log("found: stock left %d + ledger %d = %d (total %d); rows %d; users with a coupon %d; voided by"
                + " check-back %d; client told GRANTED for %d coupons, %d of them not in MySQL as told",
                stock, ledger.size(), stock + ledger.size(), sale.totalCount(), owners.size(),
                redis().hlen(Registry.usersKey(id)), voided, grants.size(), missing.size());
        assertThat(missing).as("coupons the client was told GRANTED that MySQL does not hold as told").isEmpty();
        assertThat(load.violations()).as("violations seen by the client").isEmpty();
        assertThat(load.unexpectedStatuses()).as("statuses no injected fault explains").isEmpty();
    }

    /** What differs between ledger and rows, for the failure message. */
    private String difference(long id, UserCouponRepository rows, GrabLoad load) {
        Map<String, String> ledger = redis().hgetall(Registry.ledgerKey(id));
        Map<String, Long> owners = rows.ownersByActivity(id);
        Map<String, GrabLoad.Grant> grants = load.grants();
        List<String> noRow = new ArrayList<>();
        ledger.forEach((sn, v) -> {
            if (!owners.containsKey(sn)) {
                noRow.add(sn + "=" + v + (grants.containsKey(sn) ? " (client told GRANTED)" : ""));
            }
        });
        List<String> noEntry = owners.keySet().stream().filter(sn -> !ledger.containsKey(sn)).toList();
        return "ledger entries without a row (" + noRow.size() + "): "
                + noRow.stream().sorted().limit(20).toList() + "; rows without a ledger entry (" + noEntry.size()
                + "): " + noEntry.stream().sorted().limit(20).toList();
    }

    /** A fault test's body, given its rig. */
    interface Scenario {
        void run(FaultRig rig) throws Exception;
    }

    /** Runs {@code scenario} on a fresh rig; on failure keeps the rig's work directory for inspection. */
    static void run(String name, Scenario scenario) throws Exception {
        try (FaultRig rig = new FaultRig(name)) {
            try {
                scenario.run(rig);
            } catch (Throwable t) {
                rig.keepWork();
                throw t;
            }
        }
    }

    /** Keeps the work directory (broker store, Redis AOF) for a post-mortem instead of deleting it. */
    void keepWork() {
        keepWork = true;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception | AssertionError e) {
                log("closing: %s", e);
            }
        }
        if (keepWork) {
            log("work directory kept: %s", work);
            return;
        }
        try {
            TempTree.delete(work);
        } catch (RuntimeException e) {
            log("could not delete %s: %s", work, e);
        }
    }
}
