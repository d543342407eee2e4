package io.flashcoupon.launcher;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.admin.AdminApi;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.db.Databases;
import io.flashcoupon.core.discount.DiscountEngine;
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
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.flyway.SchemaMigrator;
import io.flashcoupon.ingress.ActivityCache;
import io.flashcoupon.ingress.CouponGrpcService;
import io.flashcoupon.ingress.GrabEventPublisher;
import io.flashcoupon.ingress.GrabMetrics;
import io.flashcoupon.ingress.Grabber;
import io.flashcoupon.ingress.IngressServer;
import io.flashcoupon.ingress.admission.GrabAdmission;
import io.flashcoupon.ingress.admission.RateLimiter;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.sinks.SinkMetrics;
import io.flashcoupon.sinks.UserCouponSink;
import io.flashcoupon.topology.reconcile.ActivityReconciler;
import io.flashcoupon.topology.reconcile.LedgerComparison;
import io.flashcoupon.topology.reconcile.ReconcileJob;
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
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-machine process: embedded broker (optional), ingress, topology and admin API, built
 * with constructors in dependency order and closed in reverse order.
 */
public final class CouponService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CouponService.class);

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private volatile boolean ready;
    /** The process's one meter registry, handed to every part that records. */
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private String namesrvAddr;
    private HikariDataSource dataSource;
    private RedisConnector redis;
    private IngressServer ingress;
    private AdminApi admin;
    private GrabEventPublisher publisher;
    private ActivityReconciler reconciler;
    private OutboxRelay relay;
    private WalletExpiryJob expiryJob;

    private CouponService() {}

    /** Starts everything {@code config} asks for; on failure, stops what started and rethrows. */
    public static CouponService start(ServiceConfig config, Clock clock) throws Exception {
        CouponService s = new CouponService();
        try {
            s.startAll(config, clock);
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private void startAll(ServiceConfig config, Clock clock) throws Exception {
        long t0 = System.nanoTime();
        bindProcessMetrics();
        ServiceConfig.Rocketmq mq = config.rocketmq();
        if (mq.embedded()) {
            EmbeddedBroker broker = EmbeddedBroker.start(Path.of(mq.embeddedHome()), mq.namesrvPort(), mq.brokerPort());
            closeables.push(broker);
            namesrvAddr = broker.namesrvAddr();
        } else {
            namesrvAddr = mq.namesrvAddr();
        }
        TopicProvisioner.provision(namesrvAddr, List.of(), Duration.ofSeconds(60));

        dataSource = Databases.pool(config.mysql(), "coupon-db");
        closeables.push(dataSource);
        if (config.mysql().migrate()) {
            int applied = new SchemaMigrator(dataSource).migrate();
            log.info("schema migrated ({} migrations applied)", applied);
        }
        redis = new RedisConnector(config.redis());
        closeables.push(redis);
        SaleStore store = new SaleStore(redis.connection(), Duration.ofMillis(config.redis().timeoutMs()));

        TemplateRepository templates = new TemplateRepository(dataSource);
        ActivityRepository activities = new ActivityRepository(dataSource);
        UserCouponRepository coupons = new UserCouponRepository(dataSource);
        SoldOutFlags soldOut = new SoldOutFlags(config.business().flashsale().soldOutRecheckMs(), clock::millis);
        // A restock or resume drops this process's sold-out flag at once; other instances' flags expire
        // after sold-out-recheck-ms.
        FlashSales sales = new FlashSales(activities, templates, coupons, store, clock, soldOut::clear);
        String instance = config.server().name() + "-" + config.server().nodeId() + "-" + ProcessHandle.current().pid();

        // topology: CouponGrabbed -> user_coupons
        LoadingCache<Long, Optional<Template>> templateCache = Caffeine.newBuilder()
                .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build(templates::find);
        ServiceConfig.Sink sink = config.business().sink();
        UserCouponMaterializer materializer = new UserCouponMaterializer(namesrvAddr, Registry.GROUP_MATERIALIZER,
                instance, sink.batchSize(), sink.flushIntervalMs(), new CouponRows(templateCache::get),
                new UserCouponSink(dataSource, new SinkMetrics(metrics, Registry.TABLE_USER_COUPONS)),
                new MaterializerMetrics(metrics));
        materializer.start();
        closeables.push(materializer);

        // ingress
        GrabMetrics grabMetrics = new GrabMetrics(metrics);
        publisher = new GrabEventPublisher(namesrvAddr, instance, mq.sendTimeoutMs(), store, grabMetrics);
        publisher.start();
        closeables.push(publisher);
        ServiceConfig.Flashsale fs = config.business().flashsale();
        ThreadPoolExecutor grabExecutor = new ThreadPoolExecutor(fs.grabThreads(), fs.grabThreads(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, fs.grabQueue())), named("grab"));
        closeables.push(() -> {
            grabExecutor.shutdown();
            grabExecutor.awaitTermination(5, TimeUnit.SECONDS);
        });
        GrabMetrics.bindExecutor(grabExecutor, metrics);
        ActivityCache activityCache = new ActivityCache(activities::find, Duration.ofMillis(fs.activityCacheMs()));
        activityCache.bindTo(metrics);
        GrabAdmission admission = new GrabAdmission(activityCache,
                new RateLimiter<>(fs.maxQpsPerUser(), 1_000_000, clock::millis), fs.maxQpsPerUser(),
                fs.maxQpsPerIp() == 0 ? null : new RateLimiter<>(fs.maxQpsPerIp(), 100_000, clock::millis),
                fs.maxQpsPerIp(), soldOut, clock);
        Grabber grabber = new Grabber(store, publisher, new CouponSnGenerator(clock, config.server().nodeId()),
                soldOut, clock, grabMetrics);
        // paying with coupons: lifecycle events through the outbox, Saga branches, expiry jobs
        ServiceConfig.Wallet wallet = config.business().wallet();
        relay = new OutboxRelay(new Outbox(dataSource), namesrvAddr, instance, mq.sendTimeoutMs(), wallet.outboxPollMs(),
                wallet.outboxBatchSize(), wallet.outboxClaimMs(), clock).start();
        closeables.push(relay);
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
        if (wallet.jobsEnabled()) {
            expiryJob.start();
        }
        closeables.push(expiryJob);

        ingress = new IngressServer(
                NettyServerBuilder.forAddress(new InetSocketAddress(config.server().host(), config.server().grpcPort())),
                new CouponGrpcService(admission, grabber, sales, coupons, grabExecutor, grabMetrics,
                        new SagaBranchesGrpc(branches), new WalletGrpc(templates, orderCoupons, clock))).start();
        closeables.push(() -> ingress.stop(5_000));

        // topology: reconciliation (re-publishes through the ingress's transactional producer)
        ServiceConfig.Reconcile rc = config.business().reconcile();
        ReconciliationReports reports = new ReconciliationReports(dataSource);
        reconciler = new ActivityReconciler(activities, coupons, store, reports, publisher::republish,
                new LedgerComparison(rc.graceMs()), clock);
        if (rc.enabled()) {
            ReconcileJob job = new ReconcileJob(reports::activitiesToReconcile, reconciler,
                    Executors.newSingleThreadScheduledExecutor(named("reconcile")), rc.intervalMs()).start();
            closeables.push(job);
        }
        SaleCleanup cleanup = new SaleCleanup(activities, store, reconciler, reports, clock);

        admin = new AdminApi(templates, activities, coupons, sales, reconciler, reports, cleanup, () -> ready, clock,
                metrics).dtmBranches(branches).orderCoupons(orderCoupons);
        admin.start(config.server().host(), config.server().httpPort());
        closeables.push(admin::stop);
        ready = true;
        log.info("coupon service up in {} ms: gRPC {}:{}, admin http://{}:{}, name server {}",
                (System.nanoTime() - t0) / 1_000_000, config.server().host(), ingress.port(),
                config.server().host(), admin.port(), namesrvAddr);
    }

    /** jvm_* (memory, GC, threads, classes), process_* (CPU, uptime, files) and system_* meters. */
    private void bindProcessMetrics() {
        new JvmMemoryMetrics().bindTo(metrics);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics);
        closeables.push(gc);
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

    public int grpcPort() {
        return ingress.port();
    }

    public int httpPort() {
        return admin.port();
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

    /** The grab's transactional producer (tests re-publish through it). */
    public GrabEventPublisher publisher() {
        return publisher;
    }

    /** On-demand reconciliation, as the admin API runs it. */
    public ActivityReconciler reconciler() {
        return reconciler;
    }

    /** The wallet's lock-expiry and coupon-expiry passes (tests run them on demand). */
    public WalletExpiryJob expiryJob() {
        return expiryJob;
    }

    /** Stops in reverse start order: admin, reconcile job, ingress (draining grabs), producer, topology, stores, broker. */
    @Override
    public void close() {
        ready = false;
        while (!closeables.isEmpty()) {
            AutoCloseable c = closeables.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.warn("error while stopping {}: {}", c, e.toString());
            }
        }
    }
}
