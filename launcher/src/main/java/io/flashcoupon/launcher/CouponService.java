package io.flashcoupon.launcher;

import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.admin.CachedReads;
import io.flashcoupon.cdc.BinlogReader;
import io.flashcoupon.cdc.FlatMessagePublisher;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.config.ServiceConfig.Role;
import io.flashcoupon.core.discount.DiscountEngine;
import io.flashcoupon.core.outbox.Outbox;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.topology.outbox.OutboxRelay;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.runtime.Infrastructure;
import io.flashcoupon.core.runtime.Lifecycle;
import io.flashcoupon.admin.AdminProcess;
import io.flashcoupon.topology.TopologyProcess;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.flyway.SchemaMigrator;
import io.flashcoupon.ingress.GrabEventPublisher;
import io.flashcoupon.ingress.GrabMetrics;
import io.flashcoupon.ingress.IngressProcess;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.topology.reconcile.ActivityReconciler;
import io.flashcoupon.topology.reconcile.LedgerComparison;
import io.flashcoupon.topology.reconcile.ReconcileMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service process: embedded broker (optional), and the roles server.roles names - ingress,
 * topology, admin API (metrics and health on the HTTP port in every case) - built with constructors
 * in dependency order and stopped gracefully in reverse order within server.shutdown-timeout-ms.
 */
public final class CouponService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CouponService.class);

    /** What start() started, each with how to stop it, and the readiness /readyz answers. */
    private final Lifecycle lifecycle;
    private boolean topology;
    /** What every part shares: configuration, clock, metrics, tracing, broker, MySQL, Redis, caches. */
    private Infrastructure infra;
    private IngressProcess ingress;
    private AdminProcess http;
    private GrabEventPublisher publisher;
    private ActivityReconciler reconciler;
    private BinlogReader binlogReader;
    private OutboxRelay relay;

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
        PrometheusMeterRegistry metrics = Infrastructure.processMetrics(lifecycle);
        String instance = Infrastructure.instanceName(server);
        OpenTelemetrySdk ownSdk = givenTelemetry == null
                ? Tracing.fromConfig(config.tracing(), server.name(), instance) : null;
        OpenTelemetry telemetry = givenTelemetry != null ? givenTelemetry
                : ownSdk != null ? ownSdk : OpenTelemetry.noop();

        ServiceConfig.Rocketmq mq = config.rocketmq();
        String namesrvAddr;
        if (mq.embedded()) {
            EmbeddedBroker broker = EmbeddedBroker.start(Path.of(mq.embeddedHome()), mq.namesrvPort(), mq.brokerPort());
            lifecycle.onStop("embedded broker", remaining -> broker.close());
            namesrvAddr = broker.namesrvAddr();
        } else {
            namesrvAddr = mq.namesrvAddr();
        }
        TopicProvisioner.provision(namesrvAddr, List.of(), Infrastructure.BROKER_WAIT);

        infra = Infrastructure.open(config, clock, metrics, telemetry, namesrvAddr, instance, lifecycle);
        if (config.mysql().migrate()) {
            int applied = new SchemaMigrator(infra.dataSource()).migrate();
            log.info("schema migrated ({} migrations applied)", applied);
        }
        boolean tracing = infra.tracing();
        HikariDataSource dataSource = infra.dataSource();
        SaleStore store = infra.store();
        TemplateRepository templates = infra.templates();
        ActivityRepository activities = infra.activities();
        UserCouponRepository coupons = infra.coupons();
        SoldOutFlags soldOut = new SoldOutFlags(config.business().flashsale().soldOutRecheckMs(), clock::millis);
        // Stopped after the ingress and the materializer: the line a graceful stop's log is checked for.
        lifecycle.reportDrainHere();
        if (ownSdk != null) {
            // Flushed once the ingress and the materializer have ended their spans.
            lifecycle.onStop("tracing (export the last spans)", remaining -> ownSdk.shutdown().join(Math.max(1, remaining),
                    TimeUnit.MILLISECONDS));
        }

        // What the admin API reads through, and drops after a write made here. A restock or resume drops
        // this process's sold-out flag at once; other instances' flags expire after sold-out-recheck-ms.
        CachedReads reads = CachedReads.cached(infra.templateCache(), infra.activityCache());
        FlashSales sales = new FlashSales(activities, templates, coupons, store, clock, soldOut::clear,
                reads.activityChanged());
        TopologyProcess.startCacheInvalidation(infra, lifecycle);
        ServiceConfig.Embedded cdc = config.cdc().embedded();
        if (cdc.enabled()) {
            FlatMessagePublisher binlogPublisher = new FlatMessagePublisher(namesrvAddr, instance + "-binlog",
                    mq.sendTimeoutMs()).start();
            lifecycle.onStop("binlog publisher", remaining -> binlogPublisher.close());
            binlogReader = new BinlogReader(config.mysql(), cdc, cdc.effectiveServerId(server.nodeId()),
                    binlogPublisher, clock::millis, metrics).start();
            lifecycle.onStop("binlog reader", remaining -> binlogReader.close());
            log.info("embedded binlog reader on {}.{} (server id {}, offsets in {})", config.mysql().database(),
                    cdc.tables(), cdc.effectiveServerId(server.nodeId()), cdc.stateDir());
        }

        // The grab's transactional producer: the ingress grabs through it, reconciliation (topology and
        // the admin API's on-demand runs) re-publishes through it, and the broker's check-backs reach
        // any member of its group.
        GrabMetrics grabMetrics = new GrabMetrics(metrics);
        publisher = new GrabEventPublisher(namesrvAddr, instance, mq.sendTimeoutMs(), store, grabMetrics);
        publisher.start();
        lifecycle.onStop("transactional producer", remaining -> publisher.close());

        ReconciliationReports reports = new ReconciliationReports(dataSource);
        ReconcileMetrics reconcileMetrics = new ReconcileMetrics(metrics);
        reconciler = new ActivityReconciler(activities, coupons, store, reports, publisher::republish,
                new LedgerComparison(config.business().reconcile().graceMs()), clock, reconcileMetrics);

        // paying with coupons: lifecycle events through the outbox (relayed by every process, woken at
        // once by a local change), the Saga branches (gRPC and HTTP), the expiry jobs (topology role)
        ServiceConfig.Wallet wallet = config.business().wallet();
        relay = new OutboxRelay(new Outbox(dataSource), namesrvAddr, instance, mq.sendTimeoutMs(), wallet.outboxPollMs(),
                wallet.outboxBatchSize(), wallet.outboxClaimMs(), clock).start();
        lifecycle.onStop("outbox relay", remaining -> relay.close());
        DiscountEngine engine = new DiscountEngine();
        OrderCoupons orderCoupons = new OrderCoupons(templates, coupons, engine, clock);
        CouponBranches branches = new CouponBranches(dataSource, templates, engine, clock,
                Duration.ofMillis(wallet.lockTtlMs()), relay::wake, (branch, r) -> metrics.counter(
                        "coupon_saga_branches", "branch", branch, "effect", r.effect().name().toLowerCase(Locale.ROOT),
                        "refusal", r.refusal() == null ? "none" : r.refusal().name().toLowerCase(Locale.ROOT))
                        .increment());
        if (roles.contains(Role.TOPOLOGY)) {
            TopologyProcess.start(infra, lifecycle, reconciler, reports, reconcileMetrics, relay);
            topology = true;
        }

        // HTTP before the gRPC ingress, so it stops after it: /readyz answers 503 (and /metrics is
        // scraped) while the grabs drain.
        http = roles.contains(Role.ADMIN)
                ? AdminProcess.startApi(infra, lifecycle, sales, reads, reconciler, reports, branches, orderCoupons)
                : AdminProcess.startOpsOnly(infra, lifecycle);
        if (roles.contains(Role.INGRESS)) {
            ingress = IngressProcess.start(infra, lifecycle, soldOut, sales, publisher, grabMetrics, branches,
                    orderCoupons);
        }

        // Ready only once every later change of a cached row will be published (first start: 1.5-3 s).
        if (binlogReader != null && !binlogReader.awaitStreaming(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the embedded binlog reader did not connect to the binlog of "
                    + config.mysql().database() + " within 60 s (see its log above; cdc.embedded.enabled=false"
                    + " turns it off where a Canal server feeds " + Registry.TOPIC_BINLOG + ")");
        }
        lifecycle.markReady();
        log.info("coupon service up in {} ms: roles {}, gRPC {}, http http://{}:{}{}, name server {}, tracing {}",
                (System.nanoTime() - t0) / 1_000_000, server.roles(),
                ingress == null ? "off" : server.host() + ":" + ingress.port(), server.host(), httpPort(),
                http.servesApi() ? " (admin API)" : " (metrics and health only)", namesrvAddr,
                tracing ? (givenTelemetry != null ? "on" : "on, OTLP " + config.tracing().otlpEndpoint()) : "off");
    }

    /** The gRPC port, or -1 when this process does not run the ingress role. */
    public int grpcPort() {
        return ingress == null ? -1 : ingress.port();
    }

    /** The admin API's port, or the metrics/health endpoint's when the admin role is off. */
    public int httpPort() {
        return http.port();
    }

    /** Whether this process runs the gRPC ingress, the materializer and the admin API. */
    public boolean runsIngress() {
        return ingress != null;
    }

    public boolean runsMaterializer() {
        return topology;
    }

    public boolean runsAdminApi() {
        return http != null && http.servesApi();
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

    /** The grab's transactional producer (tests re-publish through it). */
    public GrabEventPublisher publisher() {
        return publisher;
    }

    /** On-demand reconciliation, as the admin API runs it. */
    public ActivityReconciler reconciler() {
        return reconciler;
    }

    /** A graceful stop bounded by server.shutdown-timeout-ms; see {@link #shutdown(long)}. */
    @Override
    public void close() {
        lifecycle.close();
    }

    /**
     * Stops in reverse start order within {@code budgetMs}: readyz answers 503 at once; the reconcile
     * job stops; the gRPC server takes no new calls and waits for running ones, the grab executor for
     * in-flight grabs (their Redis script and transactional send); the admin API (or metrics endpoint)
     * stops; the producer closes; the materializer writes the batch in hand and commits its offsets;
     * spans are exported; then Redis, the pool and the embedded broker close. Each part gets what is left of the budget;
     * true when everything stopped within it. Idempotent.
     */
    public boolean shutdown(long budgetMs) {
        return lifecycle.shutdown(budgetMs);
    }
}
