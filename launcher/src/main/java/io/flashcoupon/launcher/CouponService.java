package io.flashcoupon.launcher;

import io.flashcoupon.core.mq.BrokerAcl;
import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.admin.AdminProcess;
import io.flashcoupon.cdc.BinlogReader;
import io.flashcoupon.cdc.FlatMessagePublisher;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.config.ServiceConfig.Role;
import io.flashcoupon.core.db.DatabaseReadiness;
import io.flashcoupon.core.mq.BrokerReadiness;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.redis.RedisReadiness;
import io.flashcoupon.core.runtime.DaemonThreads;
import io.flashcoupon.core.runtime.Infrastructure;
import io.flashcoupon.core.runtime.Lifecycle;
import io.flashcoupon.core.runtime.Readiness;
import io.flashcoupon.core.sale.NodeIdLease;
import io.flashcoupon.core.sale.RedisNodeLeaseStore;
import io.flashcoupon.flyway.SchemaMigrator;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.ingress.IngressProcess;
import io.flashcoupon.topology.TopologyProcess;
import io.flashcoupon.core.reconcile.ActivityReconciler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service process: the infrastructure every part shares (embedded broker optional, MySQL, Redis,
 * caches kept true by the binlog, metrics, tracing), the parts several roles share, and the stage
 * processes server.roles picks - {@link TopologyProcess}, the HTTP side ({@link AdminProcess}: the
 * admin API, or metrics and health only), {@link IngressProcess} - on one {@link Infrastructure} and
 * one {@link Lifecycle}, which stops them in reverse start order within server.shutdown-timeout-ms.
 */
public final class CouponService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CouponService.class);

    /**
     * How long a readiness check of MySQL or the broker may take; Redis, which answers a PING in well
     * under a millisecond, gets less, so an instance whose Redis is down reports it within 2 s
     * (1 s cache + 0.5 s + the health service's 0.25 s re-read).
     */
    private static final Duration READINESS_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration REDIS_READINESS_TIMEOUT = Duration.ofMillis(500);

    private final Lifecycle lifecycle;
    private Infrastructure infra;
    private NodeIdLease nodeLease;
    private SharedParts shared;
    private AdminProcess http;
    private IngressProcess ingress;

    private CouponService(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    /**
     * Starts the parts {@code config} asks for (server.roles); on failure, stops what started and
     * rethrows. Tracing as tracing.* configures it.
     */
    public static CouponService start(ServiceConfig config, Clock clock) throws Exception {
        return start(config, clock, null);
    }

    /**
     * As {@link #start(ServiceConfig, Clock)} with the given OpenTelemetry (owned by the caller, tests
     * pass an SDK with an in-memory exporter); null = from tracing.* of {@code config}.
     */
    public static CouponService start(ServiceConfig config, Clock clock, OpenTelemetry openTelemetry)
            throws Exception {
        CouponService s = new CouponService(new Lifecycle(config.server().shutdownTimeoutMs()));
        try {
            s.startAll(config, clock, openTelemetry);
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private void startAll(ServiceConfig config, Clock clock, OpenTelemetry givenTelemetry) throws Exception {
        long t0 = System.nanoTime();
        ServiceConfig.Server server = config.server();
        Set<Role> roles = server.roleSet();

        // infrastructure, whatever the roles
        PrometheusMeterRegistry metrics = Infrastructure.processMetrics(lifecycle);
        String instance = Infrastructure.instanceName(server);
        OpenTelemetrySdk ownSdk = givenTelemetry == null
                ? Tracing.fromConfig(config.tracing(), server.name(), instance) : null;
        OpenTelemetry telemetry = givenTelemetry != null ? givenTelemetry
                : ownSdk != null ? ownSdk : OpenTelemetry.noop();
        // Redis first: one that cannot keep acknowledged grants refuses the start before the broker runs
        RedisConnector redis = Infrastructure.connectRedis(config, metrics, lifecycle);
        String namesrvAddr = broker(config.rocketmq());
        provisionOrVerifyTopics(config.rocketmq(), namesrvAddr);
        infra = Infrastructure.open(config, clock, metrics, telemetry, namesrvAddr, instance, redis, lifecycle);
        if (config.mysql().migrate()) {
            int applied = new SchemaMigrator(infra.dataSource()).migrate();
            log.info("schema migrated ({} migrations applied)", applied);
        }
        // Released after the ingress and the grab executor have stopped: the last sn is issued before it.
        nodeLease = leaseNodeId(infra);
        // Stopped after the ingress and the materializer: the line a graceful stop's log is checked for.
        lifecycle.reportDrainHere();
        if (ownSdk != null) {
            // Flushed once the ingress and the materializer have ended their spans.
            lifecycle.onStop("tracing (export the last spans)", remaining -> ownSdk.shutdown().join(
                    Math.max(1, remaining), TimeUnit.MILLISECONDS));
        }
        Readiness readiness = readiness(infra);
        TopologyProcess.startCacheInvalidation(infra, lifecycle);
        BinlogReader binlogReader = config.cdc().embedded().enabled() ? startBinlogReader(infra) : null;

        // the processes the roles pick, on the parts they share; the HTTP side before the gRPC ingress,
        // so it stops after it: /readyz answers 503 (and /metrics is scraped) while the grabs drain
        shared = SharedParts.start(infra, lifecycle, roles);
        if (roles.contains(Role.TOPOLOGY)) {
            TopologyProcess.start(infra, lifecycle, shared.reconciler(), shared.reports(), shared.reconcileMetrics(),
                    shared.relay());
        }
        http = roles.contains(Role.ADMIN)
                ? AdminProcess.startApi(infra, lifecycle, shared.sales(), shared.reads(), shared.reconciler(),
                        shared.reports(), shared.branches(), shared.orderCoupons(), readiness)
                : AdminProcess.startOpsOnly(infra, lifecycle, readiness);
        if (roles.contains(Role.INGRESS)) {
            ingress = IngressProcess.start(infra, lifecycle, nodeLease, shared.soldOut(), shared.sales(),
                    shared.ledger(), shared.grabMetrics(), shared.branches(), shared.orderCoupons());
            ingress.followReadiness(readiness::ready);
        }

        // Ready only once every later change of a cached row will be published (first start: 1.5-3 s).
        if (binlogReader != null && !binlogReader.awaitStreaming(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the embedded binlog reader did not connect to the binlog of "
                    + config.mysql().database() + " within 60 s (see its log above; cdc.embedded.enabled=false"
                    + " turns it off where a Canal server feeds " + Registry.TOPIC_BINLOG + ")");
        }
        lifecycle.markReady();
        log.info("coupon service up in {} ms: node id {}, roles {}, gRPC {}, http http://{}:{}{}, name server {},"
                + " tracing {}", (System.nanoTime() - t0) / 1_000_000, nodeLease.nodeId(), server.roles(),
                ingress == null ? "off" : server.host() + ":" + ingress.port(), server.host(), httpPort(),
                http.servesApi() ? " (admin API)" : " (metrics and health only)", namesrvAddr,
                infra.tracing() ? (givenTelemetry != null ? "on" : "on, OTLP " + config.tracing().otlpEndpoint())
                        : "off");
    }

    /**
     * Readiness (/readyz, the gRPC health service): started and not stopping, and Redis (PING, the grab
     * script present), MySQL (a pooled connection) and the broker (a route for the grab topic) answer,
     * and this process holds its node id lease; each checked at most once a second on threads of its own.
     */
    private Readiness readiness(Infrastructure infra) {
        BrokerReadiness broker = new BrokerReadiness(infra.namesrvAddr(), infra.brokerHook(), READINESS_TIMEOUT);
        lifecycle.onStop("readiness checks", remaining -> broker.close());
        ExecutorService checks = Executors.newCachedThreadPool(DaemonThreads.named("readiness"));
        lifecycle.onStop("readiness check threads", remaining -> checks.shutdownNow());
        return new Readiness(lifecycle::ready, lifecycle::stopping, List.of(
                RedisReadiness.check(infra.redis().access(), REDIS_READINESS_TIMEOUT),
                DatabaseReadiness.check(infra.dataSource(), READINESS_TIMEOUT),
                broker.check(),
                // no coupon_sn without it: after an outage of Redis longer than the lease, grabs answer
                // UNAVAILABLE until the next renewal, so the instance is not ready before that either
                new Readiness.Check("node-lease", READINESS_TIMEOUT, () -> {
                    if (!nodeLease.held()) {
                        throw new IllegalStateException("node id " + nodeLease.nodeId() + " is not leased now"
                                + " (lapsed while Redis was unreachable, or taken); renewed every third of"
                                + " server.node-lease-ms");
                    }
                    return "node id " + nodeLease.nodeId();
                })), Duration.ofSeconds(1), System::nanoTime, checks);
    }

    /**
     * rocketmq.provision-topics true: creates the missing topics (with the queue counts of rocketmq.queues)
     * and consumer groups on every master broker (an existing topic's queue counts and group's settings are kept); false: creates nothing and fails naming a topic the name server does not route.
     */
    private static void provisionOrVerifyTopics(ServiceConfig.Rocketmq mq, String namesrvAddr) {
        if (mq.provisionTopics() || mq.embedded()) {
            TopicProvisioner.provision(namesrvAddr, BrokerAcl.rpcHook(mq), mq.topics(), Registry.CONSUMER_GROUPS,
                    mq.minMasters(), Infrastructure.BROKER_WAIT);
        } else {
            TopicProvisioner.verify(namesrvAddr, BrokerAcl.rpcHook(mq), mq.topics(), Infrastructure.BROKER_WAIT);
            log.info("rocketmq.provision-topics is false: the name server routes every topic, none was created");
        }
    }

    /** The embedded name server and broker (stopped last), or the configured cluster; its name server address. */
    private String broker(ServiceConfig.Rocketmq mq) {
        if (!mq.embedded()) {
            return mq.namesrvAddr();
        }
        EmbeddedBroker broker = EmbeddedBroker.start(Path.of(mq.embeddedHome()), mq.namesrvPort(), mq.brokerPort());
        lifecycle.onStop("embedded broker", remaining -> broker.close());
        return broker.namesrvAddr();
    }

    /**
     * This process's node id, leased in the sale Redis as server.node-id and server.node-id-policy say
     * (NodeIdLease), renewed until the stop releases it. Throws NodeIdTakenException when refused.
     */
    private NodeIdLease leaseNodeId(Infrastructure infra) throws InterruptedException {
        ServiceConfig.Server server = infra.config().server();
        RedisNodeLeaseStore store = new RedisNodeLeaseStore(infra.redis().access(),
                Duration.ofMillis(infra.config().redis().timeoutMs()));
        String owner = infra.instance() + "-" + UUID.randomUUID().toString().substring(0, 8);
        NodeIdLease lease = NodeIdLease.acquire(store, server.nodeId(), server.takesNextFreeNodeId(),
                server.nodeLeaseMs(), owner, infra.clock(), System::nanoTime, Thread::sleep);
        ScheduledExecutorService renewals =
                Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("node-lease"));
        lease.renewEvery(renewals);
        lease.bindTo(infra.metrics());
        lifecycle.onStop("node id lease (release)", remaining -> {
            lease.close();
            renewals.shutdownNow();
        });
        return lease;
    }

    /** The embedded binlog reader: the cached tables' changes as Canal flat messages on coupon-binlog-topic. */
    private BinlogReader startBinlogReader(Infrastructure infra) throws Exception {
        ServiceConfig config = infra.config();
        ServiceConfig.Embedded cdc = config.cdc().embedded();
        long serverId = cdc.effectiveServerId(nodeLease.nodeId());
        FlatMessagePublisher binlogPublisher = new FlatMessagePublisher(infra.namesrvAddr(), infra.brokerHook(), infra.instance() + "-binlog",
                config.rocketmq().sendTimeoutMs()).start();
        lifecycle.onStop("binlog publisher", remaining -> binlogPublisher.close());
        BinlogReader reader = new BinlogReader(config.mysql(), cdc, serverId, binlogPublisher,
                infra.clock()::millis, infra.metrics()).start();
        lifecycle.onStop("binlog reader", remaining -> reader.close());
        log.info("embedded binlog reader on {}.{} (server id {}, offsets in {})", config.mysql().database(),
                cdc.tables(), serverId, cdc.stateDir());
        return reader;
    }

    /** The gRPC port, or -1 when this process does not run the ingress role. */
    public int grpcPort() {
        return ingress == null ? -1 : ingress.port();
    }

    /** The admin API's port, or the metrics/health endpoint's when the admin role is off. */
    public int httpPort() {
        return http.port();
    }

    /** The node id this process leased (server.node-id, or another free one under next-free). */
    public int nodeId() {
        return nodeLease.nodeId();
    }

    public String namesrvAddr() {
        return infra.namesrvAddr();
    }

    public HikariDataSource dataSource() {
        return infra.dataSource();
    }

    public RedisConnector redis() {
        return infra.redis();
    }

    /** The grab's transactional producer (tests re-publish through it); null where no role uses it. */
    public GrantLedger ledger() {
        return shared == null ? null : shared.ledger();
    }

    /** On-demand reconciliation, as the admin API runs it; null where no role uses it. */
    public ActivityReconciler reconciler() {
        return shared == null ? null : shared.reconciler();
    }

    /** A graceful stop bounded by server.shutdown-timeout-ms; see {@link #shutdown(long)}. */
    @Override
    public void close() {
        lifecycle.close();
    }

    /**
     * Stops in reverse start order within {@code budgetMs}: readyz answers 503 at once; the gRPC server
     * takes no new calls and waits for running ones, the grab executor for in-flight grabs (their Redis
     * script and transactional send); the admin API (or metrics endpoint) stops; the reconcile and
     * expiry jobs stop; the materializer writes the batch in hand and commits its offsets; the relay and
     * the producer close; spans are exported; then Redis, the pool and the embedded broker close. Each
     * part gets what is left of the budget; true when everything stopped within it. Idempotent.
     */
    public boolean shutdown(long budgetMs) {
        return lifecycle.shutdown(budgetMs);
    }
}
