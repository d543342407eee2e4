package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
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
import io.flashcoupon.proto.v1.FlashSaleStatusRequest;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.systemtest.support.RedisCluster;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.flashcoupon.systemtest.support.TempTree;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * the service's environment, the service started, a sale, a crowd of clients, a kill -9 and restart
 * of the service, and the black-box checks after the faults. Prints a timeline: what was injected and
 * what was found.
 *
 * <p>The service runs with periodic reconciliation off and without fence checks, so nothing repairs
 * Redis or re-publishes a grant in the background before the checks look: what the grab path and the
 * materializer do on their own is what is checked. A test about fence and heal turns the fence on
 * ({@link #fenceChecks}).
 */
final class FaultRig implements AutoCloseable {
    static final String DB = System.getProperty("fault.db", "coupon_it_faults");
    /** The crowd of every fault test: users drawn at random, grabs in flight, and each call's deadline. */
    static final int USERS = 2_000;
    static final int IN_FLIGHT = 96;
    static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    /** How long rows may take to land after the load stopped (the broker's check-back comes within seconds). */
    static final Duration SETTLE_WITHIN = Duration.ofSeconds(60);

    final String name;
    final long seed;
    final Random random;
    final FaultPorts ports = new FaultPorts();
    final Path work;
    final Path logs;
    private final long t0 = System.nanoTime();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private RedisProcess redis;
    private RedisCluster cluster;
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
        config.put("business.reconcile.enabled", "false");
        config.put("business.reconcile.fence-interval-ms", "0");
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

    /**
     * Fence checks every {@code intervalMs} (leases of {@code leaseMs}, heals settling {@code settleMs}):
     * for the test of a Redis that lost grants. Periodic reconciliation stays off.
     */
    void fenceChecks(long intervalMs, long leaseMs, long settleMs) {
        config.put("business.reconcile.fence-interval-ms", Long.toString(intervalMs));
        config.put("business.reconcile.fence-lease-ms", Long.toString(leaseMs));
        config.put("business.reconcile.heal-settle-ms", Long.toString(settleMs));
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

    /** Starts this test's own redis-server (AOF, appendfsync always). */
    RedisProcess startRedis() {
        redis = new RedisProcess(ports.one(), work.resolve("redis"), logs.resolve("redis.log"));
        redis.start(Duration.ofSeconds(30));
        closeables.add(() -> {
            if (redis.alive()) {
                redis.shutdown(Duration.ofSeconds(30));
            }
        });
        log("own redis-server on 127.0.0.1:%d (appendonly yes, appendfsync always)", redis.port);
        return redis;
    }

    /**
     * Starts this test's own Redis Cluster (three masters with a replica each) instead of one
     * redis-server; the service then gets redis.cluster-nodes.
     */
    RedisCluster startRedisCluster() {
        cluster = new RedisCluster(ports, work.resolve("redis-cluster"), logs);
        closeables.add(cluster::stop);
        cluster.start(Duration.ofSeconds(60));
        log("own Redis Cluster: %s (3 masters, 1 replica each, cluster-node-timeout %d ms, appendfsync always)",
                cluster.seeds(), RedisCluster.NODE_TIMEOUT_MS);
        return cluster;
    }

    /** This test's Redis Cluster (after {@link #startRedisCluster}). */
    RedisCluster redisCluster() {
        return cluster;
    }

    /** This test's redis-server, to kill and restart. */
    RedisProcess redisProcess() {
        return redis;
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
        env.putAll(ServiceJvms.storesEnv(DB, cluster == null ? redis.port : 0));
        if (cluster != null) {
            env.put(ConfigLoader.envName("redis.cluster-nodes"), cluster.seeds());
        }
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

    /**
     * A second service process with only the ingress role on the name server of {@code broker}: its own
     * ports and node id (leased next-free), no binlog reader.
     */
    ServiceJvms.Service ingressOnly(ServiceJvms.Broker broker, String name) {
        int grpc = ports.one();
        int http = ports.one();
        Map<String, String> env = serviceEnv(grpc, http, null, broker.namesrvPort, broker.brokerPort, false);
        env.put(ConfigLoader.envName("server.name"), name);
        env.put(ConfigLoader.envName("server.roles"), "ingress");
        env.put(ConfigLoader.envName("cdc.embedded.enabled"), "false");
        ServiceJvms.Service service = new ServiceJvms.Service(name, env, work, logs.resolve(name + ".log"), grpc, http);
        closeables.add(service::stop);
        log("%s: gRPC %d, http %d, roles ingress, name server %s", name, grpc, http, broker.namesrvAddr());
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

    /** BrokerMain --role namesrv as its own process, home and port fixed for the test. */
    ServiceJvms.NameServer nameServer() {
        int port = ports.one();
        ServiceJvms.NameServer namesrv = new ServiceJvms.NameServer("namesrv", work.resolve("namesrv"), work,
                logs.resolve("namesrv.log"), port);
        closeables.add(namesrv::stop);
        log("name server: %d", port);
        return namesrv;
    }

    /** BrokerMain --role broker as its own process named {@code brokerName}, registering with {@code namesrv}. */
    ServiceJvms.Broker clusterBroker(ServiceJvms.NameServer namesrv, String brokerName) {
        int port = ports.broker();
        ServiceJvms.Broker broker = new ServiceJvms.Broker(brokerName, work.resolve(brokerName), work,
                logs.resolve(brokerName + ".log"), namesrv, brokerName, port);
        closeables.add(broker::stop);
        log("%s: ports %d/%d/%d, name server %s", brokerName, port - 2, port, port + 1, namesrv.addr());
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
        return startSale(service, stock, perUserLimit, 1);
    }

    /** {@link #startSale(ServiceJvms.Service, int, int)} of a sale split into {@code segments} segments. */
    Activity startSale(ServiceJvms.Service service, int stock, int perUserLimit, int segments) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Template t = new TemplateRepository(db).insert(new Template(0, name + " 5 off", CouponType.FULL_CUT, 500, 0, 0,
                null, stock, 1, null, null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null));
        Activity a = new ActivityRepository(db).insert(new Activity(0, t.id(), name + " sale", stock,
                now.minusSeconds(60), now.plusSeconds(3600), perUserLimit, ActivityStatus.PENDING, segments));
        ServiceHarness.asOperator(CouponGrpc.newBlockingStub(channel(service)),
                        io.flashcoupon.core.config.ConfigValidator.DEV_TOKEN)
                .withDeadlineAfter(30, TimeUnit.SECONDS).startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(a.id()).build());
        log("sale %d started: stock %d, per-user limit %d, %d segment(s)", a.id(), stock, perUserLimit, segments);
        return a;
    }

    /**
     * The crowd of {@link GrabLoad}: {@link #USERS} users drawn at random, half of them with request_ids,
     * {@link #IN_FLIGHT} grabs in flight, {@link #CALL_DEADLINE} per call. Not started.
     */
    GrabLoad load(ServiceJvms.Service service, Activity sale) {
        return load(channel(service), sale);
    }

    /**
     * The crowd of {@link #load(ServiceJvms.Service, Activity)}, its calls sent through {@code channel}
     * (several instances behind one channel). Not started.
     */
    GrabLoad load(io.grpc.Channel channel, Activity sale) {
        GrabLoad load = new GrabLoad(CouponGrpc.newStub(channel), sale.id(), 5_000_000L, USERS, IN_FLIGHT,
                CALL_DEADLINE, 60, random.nextLong());
        closeables.add(load);
        log("load: %d users drawn at random for stock %d (limit %d), %d grabs in flight, %d s deadline; users at"
                + " even offsets send a request_id per grab and retry an unanswered one with it, users at odd offsets"
                + " send none and never retry", USERS, sale.totalCount(), sale.perUserLimit(), IN_FLIGHT,
                CALL_DEADLINE.toSeconds());
        return load;
    }

    /** Redis, an emptied database and the service with its embedded broker, started and ready. */
    ServiceJvms.Service startWithEmbeddedBroker() throws Exception {
        startRedis();
        return startEmbeddedService();
    }

    /** A Redis Cluster, an emptied database and the service with its embedded broker, started and ready. */
    ServiceJvms.Service startWithEmbeddedBrokerOnCluster() throws Exception {
        startRedisCluster();
        return startEmbeddedService();
    }

    private ServiceJvms.Service startEmbeddedService() throws Exception {
        resetDatabase();
        ServiceJvms.Service service = embeddedService();
        log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
        return service;
    }

    /**
     * A Redis Cluster, an emptied database, BrokerMain as a process of its own and the service on them
     * (every role), started and ready.
     */
    OnBroker startOnClusterWithExternalBroker() throws Exception {
        startRedisCluster();
        return startBrokerAndService();
    }

    /** A broker process and the service on it. */
    record OnBroker(ServiceJvms.Broker broker, ServiceJvms.Service service) {}

    /** Redis, an emptied database, BrokerMain as a process of its own and the service on it, started and ready. */
    OnBroker startWithExternalBroker() throws Exception {
        startRedis();
        return startBrokerAndService();
    }

    private OnBroker startBrokerAndService() throws Exception {
        resetDatabase();
        ServiceJvms.Broker broker = broker();
        log("broker ready in %d ms", broker.start(Duration.ofMinutes(2)).toMillis());
        ServiceJvms.Service service = externalBrokerService(broker);
        log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
        return new OnBroker(broker, service);
    }

    /** A name server, its brokers (each a process) and the service on them. */
    record OnCluster(ServiceJvms.NameServer namesrv, List<ServiceJvms.Broker> brokers, ServiceJvms.Service service) {}

    /**
     * Redis, an emptied database, a name server and {@code brokerNames} as master brokers, each a process of
     * its own, and the service on that name server (rocketmq.embedded false), started and ready.
     */
    OnCluster startWithBrokerCluster(List<String> brokerNames) throws Exception {
        startRedis();
        resetDatabase();
        ServiceJvms.NameServer namesrv = nameServer();
        log("name server ready in %d ms", namesrv.start(Duration.ofMinutes(2)).toMillis());
        List<ServiceJvms.Broker> brokers = new ArrayList<>();
        for (String brokerName : brokerNames) {
            ServiceJvms.Broker broker = clusterBroker(namesrv, brokerName);
            log("%s ready in %d ms (pid %d)", brokerName, broker.start(Duration.ofMinutes(2)).toMillis(), broker.pid());
            brokers.add(broker);
        }
        int grpc = ports.one();
        int http = ports.one();
        ServiceJvms.Service service = new ServiceJvms.Service("service", serviceEnv(grpc, http, null, namesrv.port, 0,
                false), work, logs.resolve("service.log"), grpc, http);
        closeables.add(service::stop);
        log("service: gRPC %d, http %d, name server %s", grpc, http, namesrv.addr());
        log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
        return new OnCluster(namesrv, List.copyOf(brokers), service);
    }

    /**
     * kill -9 of the service (and its embedded broker) and a restart on the same ports and broker store;
     * then every request_id answered before is asked again. Returns what was injected, for the timeline.
     */
    String killAndRestart(ServiceJvms.Service service, GrabLoad load, String what) {
        return killAndRestart(service, load, what, () -> { });
    }

    /** As above, running {@code whileDown} between the kill and the restart. */
    String killAndRestart(ServiceJvms.Service service, GrabLoad load, String what, Step whileDown) {
        long pid = service.pid();
        GrabLoad.Snapshot before = load.snapshot();
        service.kill();
        GrabLoad.Snapshot killed = load.snapshot();
        log("KILL (%s): kill -9 pid %d at %d coupons told GRANTED, %d grabs in flight", what, pid, before.granted(),
                before.inFlight());
        try {
            whileDown.run();
        } catch (Exception e) {
            throw new IllegalStateException("while the service was down", e);
        }
        Duration restart = service.start(Duration.ofMinutes(2));
        channel(service).resetConnectBackoff();
        GrabLoad.Snapshot ready = load.snapshot();
        int reasked = load.reaskSettled();
        log("RESTARTED in %d ms; %d answered request_ids asked again", restart.toMillis(), reasked);
        return String.format("%s kill -9 of the service (%s) at %d coupons told GRANTED, %d grabs in flight; down %d ms;"
                + " the clients saw from the kill to ready %s; then %d answered request_ids asked again", at(before),
                what, before.granted(), before.inFlight(), restart.toMillis(), ready.outcomesSince(killed), reasked);
    }

    /**
     * A random moment for the k-th of {@code of} faults while grants still flow, as a number of coupons
     * granted: in the k-th band of the stock (10-25 %, 35-50 %, 60-75 % for three faults).
     */
    int faultPoint(int k, int of, int stock) {
        double band = (double) (k - 1) / of;
        return (int) (stock * (0.10 + band * 0.75 + random.nextDouble() * 0.15));
    }

    /**
     * Waits (at most a minute) until a coupon is granted after {@code since}, or the sale answers SOLD_OUT:
     * grants flow again after {@code what}; {@code alive} checks the processes.
     */
    void awaitGrantsFlow(GrabLoad load, GrabLoad.Snapshot since, String what, Runnable alive) {
        await("grants flow again after " + what).atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    alive.run();
                    return load.grantedCoupons() > since.granted() || load.outcome("SOLD_OUT") > 0;
                });
    }

    /** Waits until the clients have been told GRANTED for {@code coupons} coupons; {@code alive} checks the processes. */
    void awaitGranted(GrabLoad load, int coupons, Runnable alive) {
        await("clients see " + coupons + " coupons granted").atMost(Duration.ofMinutes(2))
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
    void finishLoad(GrabLoad load, Runnable alive) {
        await("the sale sells out and 2000+ grabs get a reply").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    alive.run();
                    return load.outcome("SOLD_OUT") >= 100 && load.replies() >= 2_000;
                });
        load.stopNew();
        awaitDrained(load, alive);
        log("load stopped: %s", load.summary());
    }

    private static void awaitDrained(GrabLoad load, Runnable alive) {
        await("every grab settled or given up").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    alive.run();
                    return load.drained();
                });
    }

    /**
     * The end of every fault test: the load finishes, every request_id is asked once more (answered ones
     * must keep their first outcome; unanswered ones learn theirs), the injected faults are printed, and
     * {@link #verify} checks the sale.
     */
    void finish(ServiceJvms.Service service, Activity sale, GrabLoad load, List<String> injected) {
        finishLoad(load, service::requireAlive);
        int reasked = load.reaskAll();
        awaitDrained(load, service::requireAlive);
        log("every request_id asked once more (%d): %s", reasked, load.summary());
        injected.forEach(l -> log("injected: %s", l));
        verify(service, sale, load);
    }

    /** The stock the service reports left in the sale (GetFlashSaleStatus). */
    long remaining(ServiceJvms.Service service, Activity sale) {
        return CouponGrpc.newBlockingStub(channel(service)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getFlashSaleStatus(FlashSaleStatusRequest.newBuilder().setActivityId(sale.id()).build())
                .getRemainingCount();
    }

    // ------------------------------------------------------------------ the checks

    /**
     * Waits (at most {@link #SETTLE_WITHIN}) until the sale's rows account for its stock (rows + remaining
     * = total) and every coupon the clients were told GRANTED is a row, then checks the sale black-box
     * (SaleInvariants.compare): no oversell, nobody above the limit, every GRANTED answer exactly one
     * row with its coupon_sn, user and request_id, no row for a refused grab; and on the client's side
     * every request_id answered with its first outcome, and no status the faults do not explain. Prints
     * what it found before it asserts.
     */
    void verify(ServiceJvms.Service service, Activity sale, GrabLoad load) {
        long id = sale.id();
        UserCouponRepository rows = new UserCouponRepository(db);
        long waitStart = System.nanoTime();
        long[] last = {-1, -1};
        try {
            await("rows + remaining = total for activity " + id + ", every GRANTED coupon a row").atMost(SETTLE_WITHIN)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        service.requireAlive();
                        last[0] = rows.countByActivity(id);
                        last[1] = remaining(service, sale);
                        return last[0] + last[1] == sale.totalCount()
                                && rows.ownersByActivity(id).keySet().containsAll(load.view().grants().keySet());
                    });
            log("settled: rows %d + remaining %d = total %d, %.1f s after the load stopped", last[0], last[1],
                    sale.totalCount(), (System.nanoTime() - waitStart) / 1e9);
        } catch (ConditionTimeoutException e) {
            log("NOT SETTLED after %d s: rows %d, remaining %d, total %d", SETTLE_WITHIN.toSeconds(), last[0], last[1],
                    sale.totalCount());
        }
        SaleInvariants.Comparison found = SaleInvariants.compare(db, id, sale.totalCount(), sale.perUserLimit(),
                remaining(service, sale), load.view());
        log("found: %s", found.found());
        List<String> client = load.violations();
        List<String> unexpected = load.unexpectedStatuses();
        log("found: %d coupon(s) answered wrong to the clients, %d status(es) no fault explains", client.size(),
                unexpected.size());
        found.problems().forEach(p -> log("PROBLEM: %s", p));
        client.stream().limit(20).forEach(v -> log("CLIENT SAW: %s", v));
        unexpected.stream().limit(20).forEach(v -> log("UNEXPECTED STATUS: %s", v));
        assertThat(found.problems()).as("invariants of sale %d: rows against what the clients saw", id).isEmpty();
        assertThat(client).as("what the clients saw wrong (a coupon answered to two grabs, GRANTED without a"
                + " coupon_sn)").isEmpty();
        assertThat(unexpected).as("statuses no injected fault explains").isEmpty();
    }

    /** Something a test does at a point of its timeline. */
    interface Step {
        void run() throws Exception;
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
