package io.flashcoupon.ingress;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.audit.AuditLog;
import io.flashcoupon.core.auth.AdminTokens;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.runtime.DaemonThreads;
import io.flashcoupon.core.runtime.Infrastructure;
import io.flashcoupon.core.runtime.Lifecycle;
import io.flashcoupon.core.saga.BranchCredential;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.NodeIdLease;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.core.sale.ledger.LedgerMetrics;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.ingress.admission.GrabAdmission;
import io.flashcoupon.ingress.admission.RateLimiter;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.ingress.saga.SagaBranchesGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.exception.MQClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingress role of a process: admission, the bounded grab executor, the grab (through the grab's
 * transactional producer), the start-up warm-up, and the gRPC server with the wallet, template,
 * discount and Saga branch RPCs (traced when tracing is on), the operators' RPCs behind the admin
 * tokens and recorded in the audit log. Its stop steps drain the running calls,
 * then the grabs in flight.
 */
public final class IngressProcess {
    private static final Logger log = LoggerFactory.getLogger(IngressProcess.class);
    /**
     * A grab is not started with less than this left before its call's deadline: about what an
     * uncontended grab takes here (half message, script, commit; docs/decisions.md), so a grab that
     * cannot be answered in time is dropped before it changes anything.
     */
    static final Duration GRAB_START_MARGIN = Duration.ofMillis(5);

    private final IngressServer server;

    private IngressProcess(IngressServer server) {
        this.server = server;
    }

    /**
     * Starts the ingress on {@code infra}, registering its stop steps with {@code lifecycle}; its sns
     * carry the node id of {@code lease}.
     * {@code soldOut} is this process's sold-out memory (FlashSales clears it on a restock or resume);
     * {@code ledger} is the process's grab producer, {@code grabMetrics} the meters it counts into.
     */
    public static IngressProcess start(Infrastructure infra, Lifecycle lifecycle, NodeIdLease lease,
            SoldOutFlags soldOut, FlashSales sales, GrantLedger ledger, GrabMetrics grabMetrics,
            CouponBranches branches, OrderCoupons orderCoupons) throws IOException {
        ServiceConfig config = infra.config();
        ServiceConfig.Flashsale fs = config.business().flashsale();
        ThreadPoolExecutor grabExecutor = new ThreadPoolExecutor(fs.grabThreads(), fs.grabThreads(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, fs.grabQueue())), DaemonThreads.named("grab"));
        lifecycle.onStop("grab executor (finish in-flight grabs)", remaining -> {
            grabExecutor.shutdown();
            if (!grabExecutor.awaitTermination(Math.max(1, remaining), TimeUnit.MILLISECONDS)) {
                log.warn("shutdown: {} grab(s) still running after {} ms", grabExecutor.getActiveCount(), remaining);
            }
        });
        lifecycle.countGrabsInFlight(() -> grabExecutor.getActiveCount() + grabExecutor.getQueue().size());
        GrabMetrics.bindExecutor(grabExecutor, infra.metrics());
        ActivityCache activityCache = new ActivityCache(infra.activityCache());
        activityCache.bindTo(infra.metrics());
        GrabAdmission admission = new GrabAdmission(activityCache,
                new RateLimiter<>(fs.maxQpsPerUser(), 1_000_000, infra.clock()::millis), fs.maxQpsPerUser(),
                fs.maxQpsPerIp() == 0 ? null : new RateLimiter<>(fs.maxQpsPerIp(), 100_000, infra.clock()::millis),
                fs.maxQpsPerIp(), soldOut, infra.clock());
        CouponSnGenerator serials = new CouponSnGenerator(infra.clock(), lease);
        Grabber grabber = new Grabber(infra.store(), ledger, serials, soldOut, infra.clock(), grabMetrics,
                infra.coupons(), grabExecutor, answerTimeoutMs(config));
        if (fs.warmupGrabs() > 0) {
            warmUp(infra, serials);
        }
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                new InetSocketAddress(config.server().host(), config.server().grpcPort()))
                .callExecutor(new CouponCallExecutors());
        // With tracing off nothing is added to the call path: no interceptor, the executors unwrapped.
        ExecutorService grabs = grabExecutor;
        RpcExecutors rpcs;
        if (infra.tracing()) {
            builder.intercept(new TracingInterceptor(infra.tracer()));
            grabs = io.opentelemetry.context.Context.taskWrapping(grabExecutor);
            rpcs = RpcExecutors.bounded(config.business().reads(), io.opentelemetry.context.Context::taskWrapping);
        } else {
            rpcs = RpcExecutors.bounded(config.business().reads(), e -> e);
        }
        rpcs.bindTo(infra.metrics());
        lifecycle.onStop("read, saga and admin RPC executors (finish running calls)", rpcs::shutdown);
        // one thread refreshes the live sales' figures, so no read thread waits for Redis on a warm sale
        ExecutorService statusRefresh = Executors.newSingleThreadExecutor(DaemonThreads.named("status-refresh"));
        lifecycle.onStop("status figures refresh", remaining -> statusRefresh.shutdownNow());
        SaleSegments segments = new SaleSegments(infra.store());
        SaleStatusReads status = new SaleStatusReads(activityCache::find,
                id -> activityCache.find(id).map(segments::snapshot).orElseGet(() -> infra.store().snapshot(id)), soldOut,
                Duration.ofMillis(config.business().reads().statusCacheMs()), System::nanoTime, statusRefresh);
        status.bindTo(infra.metrics());
        IngressServer server = new IngressServer(builder, new CouponGrpcService(admission, grabber, sales, status,
                infra.coupons(), infra.wallets(), grabs, rpcs, grabMetrics, GRAB_START_MARGIN, new SagaBranchesGrpc(branches),
                new WalletGrpc(infra.templates(), infra.templateCache()::find, infra.templatePages(),
                        id -> templateWritten(infra, id), orderCoupons, infra.clock()),
                new AdminRpcAudit(new AuditLog(infra.dataSource())::append, infra.activities()::find,
                        infra.templates()::find, infra.clock())),
                BranchCredential.of(config.saga().branchToken()), AdminTokens.of(config.admin()), infra.metrics())
                .start();
        // gRPC shutdown: no new calls; running calls (grabs: their batch's script and send) finish.
        // Half of what is left: the grab executor, producer and materializer still need time after it.
        lifecycle.onStop("gRPC ingress (stop admitting, drain running calls)",
                remaining -> server.stop(Math.max(1, remaining / 2)));
        return new IngressProcess(server);
    }

    /**
     * How long a grab thread waits for its batch: the script (Redis timeout, with its durability wait)
     * and the events' send, plus a second. Past it the grab is answered "outcome unknown".
     */
    static long answerTimeoutMs(ServiceConfig config) {
        return (long) config.redis().timeoutMs() + config.redis().durabilityTimeoutMs()
                + config.rocketmq().sendTimeoutMs() + 1_000;
    }

    /**
     * A template written through this instance's gRPC API: dropped from its caches at once (read-your-writes
     * here); other instances learn of it from the binlog, as this one would if Redis is unreachable now.
     */
    private static void templateWritten(Infrastructure infra, long templateId) {
        infra.templatePages().invalidateAll();
        try {
            infra.templateCache().invalidate(templateId);
        } catch (RuntimeException e) {
            log.warn("could not drop template {} from L2 after a write (the binlog event will): {}", templateId,
                    e.toString());
        }
    }

    /** The gRPC health service answers what {@code ready} says from now on (IngressServer#followReadiness). */
    public void followReadiness(java.util.function.BooleanSupplier ready) {
        server.followReadiness(ready);
    }

    /** The port the gRPC server listens on. */
    public int port() {
        return server.port();
    }

    /**
     * The grant path, {@code warmup-grabs} times, on a synthetic sale and the warm-up topic, before the
     * gRPC server starts (GrabWarmup); its figures go to coupon_startup_warmup_* on this process.
     */
    private static void warmUp(Infrastructure infra, CouponSnGenerator serials) {
        ServiceConfig.Flashsale fs = infra.config().business().flashsale();
        GrabMetrics quiet = new GrabMetrics(new SimpleMeterRegistry());
        GrantLedger warmLedger = new GrantLedger(infra.namesrvAddr(), infra.brokerHook(), infra.instance() + "-warmup",
                infra.config().rocketmq().sendTimeoutMs(), infra.store(), infra.clock(),
                new GrantLedger.Batching(fs.grabBatchMax(), fs.grabBatchesInFlight()),
                new LedgerMetrics(new SimpleMeterRegistry()), quiet::checkedBack,
                Registry.GROUP_WARMUP_PRODUCER, Registry.TOPIC_WARMUP);
        ExecutorService pool = Executors.newFixedThreadPool(fs.grabThreads(), DaemonThreads.named("warmup"));
        try {
            warmLedger.start();
            Grabber grabber = new Grabber(infra.store(), warmLedger, serials,
                    new SoldOutFlags(fs.soldOutRecheckMs(), infra.clock()::millis), infra.clock(), quiet,
                    infra.coupons(), pool, answerTimeoutMs(infra.config()));
            GrabWarmup.Result r = new GrabWarmup(infra.store(), grabber, infra.clock()).run(
                    GrabWarmup.saleId(serials.nodeId()), fs.warmupGrabs(), pool,
                    Infrastructure.BROKER_WAIT.multipliedBy(2));
            Gauge.builder("coupon.startup.warmup.grants", r, GrabWarmup.Result::granted)
                    .description("grants of the start-up warm-up's synthetic sale (business.flashsale.warmup-grabs)")
                    .strongReference(true)
                    .register(infra.metrics());
            Gauge.builder("coupon.startup.warmup.seconds", r, w -> w.millis() / 1000.0)
                    .description("how long the start-up warm-up took").strongReference(true).register(infra.metrics());
        } catch (MQClientException e) {
            log.warn("start-up warm-up skipped: its producer did not start: {}", e.toString());
        } finally {
            pool.shutdownNow();
            warmLedger.close();
        }
    }
}
