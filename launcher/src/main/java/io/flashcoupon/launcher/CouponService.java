package io.flashcoupon.launcher;

import org.apache.rocketmq.client.exception.MQClientException;
import io.flashcoupon.ingress.GrabWarmup;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.Gauge;
import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.admin.AdminApi;
import io.flashcoupon.admin.AdminAuth;
import io.flashcoupon.admin.CachedReads;
import io.flashcoupon.admin.OpsServer;
import io.flashcoupon.cdc.BinlogReader;
import io.flashcoupon.cdc.FlatMessagePublisher;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.cache.CacheCodec;
import io.flashcoupon.core.cache.L2Store;
import io.flashcoupon.core.cache.RedisL2Store;
import io.flashcoupon.core.cache.TieredCache;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.db.Databases;
import io.flashcoupon.discount.DiscountEngine;
import io.flashcoupon.core.outbox.Outbox;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.core.wallet.WalletExpiry;
import io.flashcoupon.ingress.WalletGrpc;
import io.flashcoupon.ingress.saga.SagaBranchesGrpc;
import io.flashcoupon.topology.expiry.WalletExpiryJob;
import io.flashcoupon.topology.outbox.OutboxRelay;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.flyway.SchemaMigrator;
import io.flashcoupon.ingress.ActivityCache;
import io.flashcoupon.ingress.CouponGrpcService;
import io.flashcoupon.ingress.GrabCallExecutors;
import io.flashcoupon.ingress.GrabMetrics;
import io.flashcoupon.ingress.Grabber;
import io.flashcoupon.ingress.IngressServer;
import io.flashcoupon.ingress.TracingInterceptor;
import io.flashcoupon.ingress.admission.GrabAdmission;
import io.flashcoupon.ingress.admission.RateLimiter;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.sinks.SinkMetrics;
import io.flashcoupon.sinks.UserCouponSink;
import io.flashcoupon.topology.invalidation.CacheInvalidationJob;
import io.flashcoupon.topology.invalidation.CacheInvalidator;
import io.flashcoupon.core.reconcile.ActivityReconciler;
import io.flashcoupon.core.reconcile.LedgerComparison;
import io.flashcoupon.topology.reconcile.ReconcileJob;
import io.flashcoupon.core.reconcile.SaleFiguresReader;
import io.flashcoupon.core.reconcile.ReconcileMetrics;
import io.flashcoupon.topology.usercoupon.CouponRows;
import io.flashcoupon.topology.usercoupon.MaterializerMetrics;
import io.flashcoupon.topology.usercoupon.UserCouponMaterializer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service process: embedded broker (optional), and the roles server.roles names - ingress,
 * topology, admin API (metrics and health on the HTTP port in every case) - built with constructors
 * in dependency order and stopped gracefully in reverse order within server.shutdown-timeout-ms.
 */
public final class CouponService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CouponService.class);
    /** How long start-up waits for the broker: topic routes, the invalidation consumer's queues. */
    private static final Duration BROKER_WAIT = Duration.ofSeconds(60);

    /** What start() started, each with how to stop it; stopped last-started first. */
    private final Deque<Step> steps = new ArrayDeque<>();
    private volatile boolean ready;
    private volatile boolean closed;
    private long shutdownTimeoutMs = 30_000;
    private ThreadPoolExecutor grabExecutor;
    private UserCouponMaterializer materializer;
    private OpsServer ops;
    /** The process's one meter registry, handed to every part that records. */
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private String namesrvAddr;
    /** This process's RocketMQ client instance name (server name, node id, pid); a suffix per client. */
    private String instance;
    private HikariDataSource dataSource;
    private RedisConnector redis;
    private IngressServer ingress;
    private AdminApi admin;
    private GrantLedger ledger;
    private ActivityReconciler reconciler;
    private BinlogReader binlogReader;
    private OutboxRelay relay;
    private WalletExpiryJob expiryJob;

    /** One part to stop: {@code stopper} gets the milliseconds left of the shutdown budget. */
    private record Step(String name, Stopper stopper) {}

    @FunctionalInterface
    private interface Stopper {
        void stop(long remainingMs) throws Exception;
    }

    private CouponService() {}

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
        CouponService s = new CouponService();
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
        shutdownTimeoutMs = server.shutdownTimeoutMs();
        bindProcessMetrics();
        instance = server.name() + "-" + server.nodeId() + "-" + ProcessHandle.current().pid();
        OpenTelemetrySdk ownSdk = givenTelemetry == null
                ? Tracing.fromConfig(config.tracing(), server.name(), instance) : null;
        OpenTelemetry telemetry = givenTelemetry != null ? givenTelemetry
                : ownSdk != null ? ownSdk : OpenTelemetry.noop();
        boolean tracing = telemetry != OpenTelemetry.noop();
        Tracer tracer = telemetry.getTracer(Tracing.INSTRUMENTATION);

        ServiceConfig.Rocketmq mq = config.rocketmq();
        if (mq.embedded()) {
            EmbeddedBroker broker = EmbeddedBroker.start(Path.of(mq.embeddedHome()), mq.namesrvPort(), mq.brokerPort());
            push("embedded broker", remaining -> broker.close());
            namesrvAddr = broker.namesrvAddr();
        } else {
            namesrvAddr = mq.namesrvAddr();
        }
        TopicProvisioner.provision(namesrvAddr, List.of(), BROKER_WAIT);

        dataSource = Databases.pool(config.mysql(), "coupon-db");
        push("database pool", remaining -> dataSource.close());
        if (config.mysql().migrate()) {
            int applied = new SchemaMigrator(dataSource).migrate();
            log.info("schema migrated ({} migrations applied)", applied);
        }
        redis = new RedisConnector(config.redis());
        push("redis", remaining -> redis.close());
        SaleStore store = new SaleStore(redis.connection(), Duration.ofMillis(config.redis().timeoutMs()));

        TemplateRepository templates = new TemplateRepository(dataSource);
        ActivityRepository activities = new ActivityRepository(dataSource);
        UserCouponRepository coupons = new UserCouponRepository(dataSource);
        SoldOutFlags soldOut = new SoldOutFlags(config.business().flashsale().soldOutRecheckMs(), clock::millis);
        // Stopped after the ingress and the materializer: the line a graceful stop's log is checked for.
        push("drain report", remaining -> logDrained());
        if (ownSdk != null) {
            // Flushed once the ingress and the materializer have ended their spans.
            push("tracing (export the last spans)", remaining -> ownSdk.shutdown().join(Math.max(1, remaining),
                    TimeUnit.MILLISECONDS));
        }

        // caches: Caffeine L1 -> Redis L2 -> MySQL, kept true by the binlog (coupon-binlog-topic, broadcast)
        ServiceConfig.Cache cc = config.cache();
        L2Store l2 = new RedisL2Store(redis.connection());
        TieredCache<Template> templateCache = new TieredCache<>("template", new TieredCache.Settings(cc.l1MaxSize(),
                Duration.ofMillis(cc.templateL1TtlMs()), cc.negativeMaxSize(), Duration.ofMillis(cc.negativeTtlMs()),
                Duration.ofMillis(cc.l2TtlMs())), l2, Registry::templateCacheKey, new CacheCodec<>(Template.class),
                templates::find);
        templateCache.bindTo(metrics);
        TieredCache<Activity> activityTiers = new TieredCache<>("activity", new TieredCache.Settings(cc.l1MaxSize(),
                Duration.ofMillis(config.business().flashsale().activityCacheMs()), cc.negativeMaxSize(),
                Duration.ofMillis(cc.negativeTtlMs()), Duration.ofMillis(cc.l2TtlMs())), l2, Registry::activityCacheKey,
                new CacheCodec<>(Activity.class), activities::find);
        // What the admin API reads through, and drops after a write made here. A restock or resume drops
        // this process's sold-out flag at once; other instances' flags expire after sold-out-recheck-ms.
        CachedReads reads = CachedReads.cached(templateCache, activityTiers);
        FlashSales sales = new FlashSales(activities, templates, coupons, store, clock, soldOut::clear,
                reads.activityChanged());
        CacheInvalidator invalidator = new CacheInvalidator(config.mysql().database(), Map.of(
                Registry.TABLE_TEMPLATES, templateCache::invalidate,
                Registry.TABLE_ACTIVITIES, activityTiers::invalidate));
        CacheInvalidationJob invalidation = new CacheInvalidationJob(namesrvAddr, instance + "-cache", invalidator,
                Executors.newSingleThreadScheduledExecutor(named("cache-invalidation")), cc.secondDeleteMs(), metrics)
                .start(BROKER_WAIT);
        push("cache invalidation", remaining -> invalidation.close());
        ServiceConfig.Embedded cdc = config.cdc().embedded();
        if (cdc.enabled()) {
            FlatMessagePublisher binlogPublisher = new FlatMessagePublisher(namesrvAddr, instance + "-binlog",
                    mq.sendTimeoutMs()).start();
            push("binlog publisher", remaining -> binlogPublisher.close());
            binlogReader = new BinlogReader(config.mysql(), cdc, cdc.effectiveServerId(server.nodeId()),
                    binlogPublisher, clock::millis, metrics).start();
            push("binlog reader", remaining -> binlogReader.close());
            log.info("embedded binlog reader on {}.{} (server id {}, offsets in {})", config.mysql().database(),
                    cdc.tables(), cdc.effectiveServerId(server.nodeId()), cdc.stateDir());
        }

        if (server.runs(ServiceConfig.Role.TOPOLOGY)) {
            // topology: CouponGrabbed -> user_coupons
            ServiceConfig.Sink sink = config.business().sink();
            materializer = new UserCouponMaterializer(namesrvAddr, Registry.GROUP_MATERIALIZER,
                    instance, sink.batchSize(), sink.flushIntervalMs(), new CouponRows(templateCache::find),
                    new UserCouponSink(dataSource, new SinkMetrics(metrics, Registry.TABLE_USER_COUPONS)),
                    new MaterializerMetrics(metrics), tracer);
            materializer.start();
            push("materializer (flush the batch in hand, commit its offsets)", remaining -> {
                if (!materializer.close(remaining)) {
                    log.warn("shutdown: the materializer's batch in hand was not written within {} ms; it is"
                            + " re-delivered after the restart", remaining);
                }
            });
        }

        // The grab's ledger (its transactional producer): the ingress grabs through it, reconciliation
        // (topology and the admin API's on-demand runs) re-publishes through it, and the broker's
        // check-backs reach any member of its group.
        GrabMetrics grabMetrics = new GrabMetrics(metrics);
        ledger = new GrantLedger(namesrvAddr, instance, mq.sendTimeoutMs(), store, grabMetrics::checkedBack);
        ledger.start();
        push("transactional producer", remaining -> ledger.close());

        ServiceConfig.Reconcile rc = config.business().reconcile();
        ReconciliationReports reports = new ReconciliationReports(dataSource);
        ReconcileMetrics reconcileMetrics = new ReconcileMetrics(metrics);
        reconciler = new ActivityReconciler(activities, coupons, store, reports, ledger,
                new LedgerComparison(rc.graceMs()), clock, reconcileMetrics);
        SaleCleanup cleanup = new SaleCleanup(activities, store, reconciler, reports, clock);

        // paying with coupons: lifecycle events through the outbox (relayed by every process, woken at
        // once by a local change), the Saga branches (gRPC and HTTP), the expiry jobs (topology role)
        ServiceConfig.Wallet wallet = config.business().wallet();
        relay = new OutboxRelay(new Outbox(dataSource), namesrvAddr, instance, mq.sendTimeoutMs(), wallet.outboxPollMs(),
                wallet.outboxBatchSize(), wallet.outboxClaimMs(), clock).start();
        push("outbox relay", remaining -> relay.close());
        DiscountEngine engine = new DiscountEngine();
        OrderCoupons orderCoupons = new OrderCoupons(templates, coupons, engine, clock);
        CouponBranches branches = new CouponBranches(dataSource, templates, engine, clock,
                Duration.ofMillis(wallet.lockTtlMs()), relay::wake, (branch, r) -> metrics.counter(
                        "coupon_saga_branches", "branch", branch, "effect", r.effect().name().toLowerCase(Locale.ROOT),
                        "refusal", r.refusal() == null ? "none" : r.refusal().name().toLowerCase(Locale.ROOT))
                        .increment());
        expiryJob = new WalletExpiryJob(new WalletExpiry(dataSource),
                Executors.newSingleThreadScheduledExecutor(named("wallet-expiry")), clock,
                wallet.lockReleaseIntervalMs(), wallet.expireIntervalMs(), wallet.jobBatchSize(), n -> relay.wake());
        if (wallet.jobsEnabled() && server.runs(ServiceConfig.Role.TOPOLOGY)) {
            expiryJob.start();
        }
        push("wallet expiry jobs", remaining -> expiryJob.close());

        // HTTP before the gRPC ingress, so it stops after it: /readyz answers 503 (and /metrics is
        // scraped) while the grabs drain.
        if (server.runs(ServiceConfig.Role.ADMIN)) {
            admin = new AdminApi(templates, activities, coupons, sales, reconciler, reports, cleanup, () -> ready,
                    clock, AdminAuth.of(config.admin()), metrics, reads)
                    .dtmBranches(branches).orderCoupons(orderCoupons);
            admin.start(server.host(), server.httpPort());
            push("admin API", remaining -> admin.stop());
        } else {
            ops = new OpsServer(() -> ready, metrics).start(server.host(), server.httpPort());
            push("metrics/health endpoint", remaining -> ops.stop());
        }
        if (server.runs(ServiceConfig.Role.INGRESS)) {
            startIngress(config, clock, store, activityTiers, sales, coupons, soldOut, grabMetrics, tracing, tracer,
                    new SagaBranchesGrpc(branches), new WalletGrpc(templates, orderCoupons, clock));
        }

        // topology: periodic reconciliation (re-publishes through the transactional producer)
        if (rc.enabled() && server.runs(ServiceConfig.Role.TOPOLOGY)) {
            ReconcileJob job = new ReconcileJob(reports::activitiesToReconcile, reconciler,
                    new SaleFiguresReader(store, coupons), reconcileMetrics,
                    Executors.newSingleThreadScheduledExecutor(named("reconcile")), rc.intervalMs(),
                    rc.settledRecheckMs(), clock::millis).start();
            push("reconcile job", remaining -> job.close());
        }

        // Ready only once every later change of a cached row will be published (first start: 1.5-3 s).
        if (binlogReader != null && !binlogReader.awaitStreaming(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the embedded binlog reader did not connect to the binlog of "
                    + config.mysql().database() + " within 60 s (see its log above; cdc.embedded.enabled=false"
                    + " turns it off where a Canal server feeds " + Registry.TOPIC_BINLOG + ")");
        }
        ready = true;
        log.info("coupon service up in {} ms: roles {}, gRPC {}, http http://{}:{}{}, name server {}, tracing {}",
                (System.nanoTime() - t0) / 1_000_000, server.roles(),
                ingress == null ? "off" : server.host() + ":" + ingress.port(), server.host(), httpPort(),
                admin == null ? " (metrics and health only)" : " (admin API)", namesrvAddr,
                tracing ? (givenTelemetry != null ? "on" : "on, OTLP " + config.tracing().otlpEndpoint()) : "off");
    }

    /** The gRPC ingress: admission, the bounded grab executor, the grab, the server (traced when on). */
    private void startIngress(ServiceConfig config, Clock clock, SaleStore store, TieredCache<Activity> activityTiers,
            FlashSales sales, UserCouponRepository coupons, SoldOutFlags soldOut, GrabMetrics grabMetrics,
            boolean tracing, Tracer tracer, SagaBranchesGrpc saga, WalletGrpc walletRpcs) throws java.io.IOException {
        ServiceConfig.Flashsale fs = config.business().flashsale();
        grabExecutor = new ThreadPoolExecutor(fs.grabThreads(), fs.grabThreads(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, fs.grabQueue())), named("grab"));
        push("grab executor (finish in-flight grabs)", remaining -> {
            grabExecutor.shutdown();
            if (!grabExecutor.awaitTermination(Math.max(1, remaining), TimeUnit.MILLISECONDS)) {
                log.warn("shutdown: {} grab(s) still running after {} ms", grabExecutor.getActiveCount(), remaining);
            }
        });
        GrabMetrics.bindExecutor(grabExecutor, metrics);
        ActivityCache activityCache = new ActivityCache(activityTiers);
        activityCache.bindTo(metrics);
        GrabAdmission admission = new GrabAdmission(activityCache,
                new RateLimiter<>(fs.maxQpsPerUser(), 1_000_000, clock::millis), fs.maxQpsPerUser(),
                fs.maxQpsPerIp() == 0 ? null : new RateLimiter<>(fs.maxQpsPerIp(), 100_000, clock::millis),
                fs.maxQpsPerIp(), soldOut, clock);
        CouponSnGenerator serials = new CouponSnGenerator(clock, config.server().nodeId());
        Grabber grabber = new Grabber(store, ledger, serials, soldOut, clock, grabMetrics);
        if (fs.warmupGrabs() > 0) {
            warmUp(config, clock, store, serials, fs);
        }
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                new InetSocketAddress(config.server().host(), config.server().grpcPort()))
                .callExecutor(new GrabCallExecutors());
        // With tracing off nothing is added to the call path: no interceptor, the executor unwrapped.
        ExecutorService grabs = grabExecutor;
        if (tracing) {
            builder.intercept(new TracingInterceptor(tracer));
            grabs = io.opentelemetry.context.Context.taskWrapping(grabExecutor);
        }
        ingress = new IngressServer(builder,
                new CouponGrpcService(admission, grabber, sales, coupons, grabs, grabMetrics, saga, walletRpcs)).start();
        // gRPC shutdown: no new calls; running calls (grabs: Redis + transactional send) finish.
        // Half of what is left: the grab executor, producer and materializer still need time after it.
        push("gRPC ingress (stop admitting, drain running calls)", remaining -> ingress.stop(Math.max(1, remaining / 2)));
    }

    /**
     * The grant path, {@code warmup-grabs} times, on a synthetic sale and the warm-up topic, before the
     * gRPC server starts (GrabWarmup); its figures go to coupon_startup_warmup_* on this process.
     */
    private void warmUp(ServiceConfig config, Clock clock, SaleStore store, CouponSnGenerator serials,
            ServiceConfig.Flashsale fs) {
        GrabMetrics quiet = new GrabMetrics(new SimpleMeterRegistry());
        GrantLedger warmLedger = new GrantLedger(namesrvAddr, instance + "-warmup", config.rocketmq().sendTimeoutMs(),
                store, quiet::checkedBack, Registry.GROUP_WARMUP_PRODUCER, Registry.TOPIC_WARMUP);
        ExecutorService pool = Executors.newFixedThreadPool(fs.grabThreads(), named("warmup"));
        try {
            warmLedger.start();
            Grabber grabber = new Grabber(store, warmLedger, serials,
                    new SoldOutFlags(fs.soldOutRecheckMs(), clock::millis), clock, quiet);
            GrabWarmup.Result r = new GrabWarmup(store, grabber, clock).run(GrabWarmup.saleId(config.server().nodeId()),
                    fs.warmupGrabs(), pool, BROKER_WAIT.multipliedBy(2));
            Gauge.builder("coupon.startup.warmup.grants", r, GrabWarmup.Result::granted)
                    .description("grants of the start-up warm-up's synthetic sale (business.flashsale.warmup-grabs)")
                    .register(metrics);
            Gauge.builder("coupon.startup.warmup.seconds", r, w -> w.millis() / 1000.0)
                    .description("how long the start-up warm-up took").register(metrics);
        } catch (MQClientException e) {
            log.warn("start-up warm-up skipped: its producer did not start: {}", e.toString());
        } finally {
            pool.shutdownNow();
            warmLedger.close();
        }
    }

    private void push(String name, Stopper stopper) {
        steps.push(new Step(name, stopper));
    }

    /** Grabs running or queued on the grab executor (0 without an ingress). */
    private int grabsInFlight() {
        return grabExecutor == null ? 0 : grabExecutor.getActiveCount() + grabExecutor.getQueue().size();
    }

    /** Logs what the drain left behind: grabs still running, whether the materializer's batch was written. */
    private void logDrained() {
        log.info("shutdown: drain finished: {} grab(s) still in flight, materializer {}", grabsInFlight(),
                materializer == null ? "not running in this process" : "stopped with its offsets committed");
    }

    /** jvm_* (memory, GC, threads, classes), process_* (CPU, uptime, files) and system_* meters. */
    private void bindProcessMetrics() {
        new JvmMemoryMetrics().bindTo(metrics);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics);
        push("gc metrics", remaining -> gc.close());
        new JvmThreadMetrics().bindTo(metrics);
        new ClassLoaderMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        new FileDescriptorMetrics().bindTo(metrics);
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The gRPC port, or -1 when this process does not run the ingress role. */
    public int grpcPort() {
        return ingress == null ? -1 : ingress.port();
    }

    /** The admin API's port, or the metrics/health endpoint's when the admin role is off. */
    public int httpPort() {
        return admin != null ? admin.port() : ops.port();
    }

    /** Whether this process runs the gRPC ingress, the materializer and the admin API. */
    public boolean runsIngress() {
        return ingress != null;
    }

    public boolean runsMaterializer() {
        return materializer != null;
    }

    public boolean runsAdminApi() {
        return admin != null;
    }

    public String namesrvAddr() {
        return namesrvAddr;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    public RedisConnector redis() {
        return redis;
    }

    /** The grab's ledger (tests re-publish through it). */
    public GrantLedger ledger() {
        return ledger;
    }

    /** On-demand reconciliation, as the admin API runs it. */
    public ActivityReconciler reconciler() {
        return reconciler;
    }

    /** The wallet's lock-expiry and coupon-expiry passes (tests run them on demand). */
    public WalletExpiryJob expiryJob() {
        return expiryJob;
    }

    /** A graceful stop bounded by server.shutdown-timeout-ms; see {@link #shutdown(long)}. */
    @Override
    public void close() {
        shutdown(shutdownTimeoutMs);
    }

    /**
     * Stops in reverse start order within {@code budgetMs}: readyz answers 503 at once; the reconcile
     * job stops; the gRPC server takes no new calls and waits for running ones, the grab executor for
     * in-flight grabs (their Redis script and transactional send); the admin API (or metrics endpoint)
     * stops; the producer closes; the materializer writes the batch in hand and commits its offsets;
     * spans are exported; then Redis, the pool and the embedded broker close. Each part gets what is left of the budget;
     * true when everything stopped within it. Idempotent.
     */
    public synchronized boolean shutdown(long budgetMs) {
        if (closed) {
            return true;
        }
        closed = true;
        ready = false;
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(budgetMs);
        log.info("shutdown: started (budget {} ms): readyz answers 503, {} grab(s) in flight", budgetMs,
                grabsInFlight());
        boolean inTime = true;
        while (!steps.isEmpty()) {
            Step step = steps.pop();
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            long s0 = System.nanoTime();
            if (!stopWithin(step, Math.max(0, remaining))) {
                inTime = false;
                log.warn("shutdown: {} did not stop within the {} ms left of the budget; going on without it",
                        step.name(), Math.max(0, remaining));
            }
            log.debug("shutdown: {} stopped in {} ms", step.name(), (System.nanoTime() - s0) / 1_000_000);
        }
        log.info("shutdown: complete in {} ms{}", (System.nanoTime() - t0) / 1_000_000,
                inTime ? "" : " (a part did not stop within the budget of " + budgetMs + " ms)");
        return inTime;
    }

    /**
     * Runs one step on a thread of its own and waits for it at most {@code remainingMs} (plus a
     * moment for steps handed 0 ms), so a part that ignores its share (the embedded broker's own
     * shutdown takes 16-25 s) cannot hold the process beyond the budget; false when it overran.
     */
    private static boolean stopWithin(Step step, long remainingMs) {
        Thread t = new Thread(() -> {
            try {
                step.stopper().stop(remainingMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("shutdown: interrupted while stopping {}", step.name());
            } catch (Exception e) {
                log.warn("shutdown: error while stopping {}: {}", step.name(), e.toString());
            }
        }, "stop-" + step.name().split(" ")[0]);
        t.setDaemon(true);
        t.start();
        try {
            t.join(remainingMs + 50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }
}
