package io.flashcoupon.topology;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.reconcile.Reconciler;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.runtime.DaemonThreads;
import io.flashcoupon.core.runtime.Infrastructure;
import io.flashcoupon.core.runtime.Lifecycle;
import io.flashcoupon.core.wallet.WalletExpiry;
import io.flashcoupon.sinks.SinkMetrics;
import io.flashcoupon.sinks.UserCouponSink;
import io.flashcoupon.topology.expiry.WalletExpiryJob;
import io.flashcoupon.topology.invalidation.CacheInvalidationJob;
import io.flashcoupon.topology.invalidation.CacheInvalidator;
import io.flashcoupon.topology.outbox.OutboxRelay;
import io.flashcoupon.topology.reconcile.FenceJob;
import io.flashcoupon.topology.reconcile.ReconcileJob;
import io.flashcoupon.core.reconcile.SaleFence;
import io.flashcoupon.core.reconcile.SaleFences;
import io.flashcoupon.core.reconcile.ReconcileMetrics;
import io.flashcoupon.core.reconcile.SaleFiguresReader;
import io.flashcoupon.topology.usercoupon.CouponRows;
import io.flashcoupon.topology.usercoupon.MaterializerMetrics;
import io.flashcoupon.topology.usercoupon.UserCouponMaterializer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import org.apache.rocketmq.client.exception.MQClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology role of a process: the materializer (CouponGrabbed -> user_coupons), the wallet's
 * lock-expiry and coupon-expiry jobs (business.wallet.jobs-enabled) and periodic reconciliation
 * (business.reconcile.enabled). {@link #startCacheInvalidation} is the one topology stage every process
 * runs, whatever its roles: it keeps that process's caches true.
 */
public final class TopologyProcess {
    private static final Logger log = LoggerFactory.getLogger(TopologyProcess.class);

    private TopologyProcess() {}

    /**
     * Starts the topology on {@code infra}, registering its stop steps with {@code lifecycle}. The
     * expiry jobs wake {@code relay} after a change (null when business.wallet.jobs-enabled is false);
     * the reconcile job runs {@code reconciler} over the sales {@code reports} lists (both null when
     * business.reconcile.enabled is false).
     */
    public static void start(Infrastructure infra, Lifecycle lifecycle, Reconciler reconciler,
            ReconciliationReports reports, ReconcileMetrics reconcileMetrics, OutboxRelay relay)
            throws MQClientException {
        ServiceConfig config = infra.config();

        // CouponGrabbed -> user_coupons
        ServiceConfig.Sink sink = config.business().sink();
        UserCouponMaterializer materializer = new UserCouponMaterializer(infra.namesrvAddr(), infra.brokerHook(),
                Registry.GROUP_MATERIALIZER, infra.instance(), sink.batchSize(), sink.flushIntervalMs(),
                new CouponRows(infra.terms()::saleVersion, infra.terms()),
                new UserCouponSink(infra.dataSource(), new SinkMetrics(infra.metrics(), Registry.TABLE_USER_COUPONS),
                        infra.clock()),
                new MaterializerMetrics(infra.metrics()), infra.tracer());
        materializer.start();
        lifecycle.materializerRuns();
        lifecycle.onStop("materializer (flush the batch in hand, commit its offsets)", remaining -> {
            if (!materializer.close(remaining)) {
                log.warn("shutdown: the materializer's batch in hand was not written within {} ms; it is"
                        + " re-delivered after the restart", remaining);
            }
        });

        // the wallet's lock-expiry and coupon-expiry passes; their events leave through the outbox
        ServiceConfig.Wallet wallet = config.business().wallet();
        if (wallet.jobsEnabled()) {
            Objects.requireNonNull(relay, "the wallet expiry jobs need the outbox relay");
            WalletExpiryJob expiryJob = new WalletExpiryJob(new WalletExpiry(infra.dataSource()),
                    Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("wallet-expiry")), infra.clock(),
                    wallet.lockReleaseIntervalMs(), wallet.expireIntervalMs(), wallet.jobBatchSize(),
                    n -> relay.wake()).start();
            lifecycle.onStop("wallet expiry jobs", remaining -> expiryJob.close());
        }

        // periodic reconciliation (re-publishes through the grab's transactional producer)
        ServiceConfig.Reconcile rc = config.business().reconcile();
        if (rc.enabled()) {
            Objects.requireNonNull(reconciler, "periodic reconciliation needs the reconciler");
            ReconcileJob job = new ReconcileJob(reports::activitiesToReconcile, reconciler,
                    new SaleFiguresReader(infra.store(), infra.coupons(), infra.activities()), reconcileMetrics,
                    Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("reconcile")), rc.intervalMs(),
                    rc.settledRecheckMs(), infra.clock()::millis).start();
            lifecycle.onStop("reconcile job", remaining -> job.close());
        }

        // fence and heal: a sale whose Redis lost grants is fenced until MySQL's rows are re-applied
        if (rc.fenceIntervalMs() > 0) {
            ReconciliationReports live = new ReconciliationReports(infra.dataSource());
            SaleFence fence = new SaleFence(infra.activities(), infra.coupons(),
                    new io.flashcoupon.core.wallet.SaleRowCounts(infra.dataSource())::materialized, infra.store(),
                    new SaleFences(infra.dataSource()), live::activitiesToReconcile, infra.clock(), infra.metrics(),
                    rc.fenceLeaseMs(), rc.healSettleMs(), new io.flashcoupon.core.audit.AuditLog(infra.dataSource()));
            FenceJob fenceJob = new FenceJob(fence,
                    Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sale-fence")),
                    rc.fenceIntervalMs()).start();
            lifecycle.onStop("fence job", remaining -> fenceJob.close());
        }
    }

    /**
     * Keeps this process's template and activity caches (and pages of published templates) and its
     * wallets (keyed by user_coupons.user_id) true from
     * coupon-binlog-topic (broadcast:
     * every process its own copy); every process runs it, whatever its roles. Returns once the
     * consumer holds its queues.
     */
    public static void startCacheInvalidation(Infrastructure infra, Lifecycle lifecycle)
            throws MQClientException, InterruptedException {
        CacheInvalidator invalidator = new CacheInvalidator(infra.config().mysql().database(), Map.of(
                Registry.TABLE_TEMPLATES, id -> {
                    infra.templatePages().invalidateAll();
                    infra.templateCache().invalidate(id);
                },
                Registry.TABLE_ACTIVITIES, infra.activityCache()::invalidate,
                Registry.TABLE_USER_COUPONS, infra.wallets()::invalidate),
                Map.of(Registry.TABLE_USER_COUPONS, "user_id"));
        CacheInvalidationJob invalidation = new CacheInvalidationJob(infra.namesrvAddr(), infra.brokerHook(), infra.instance() + "-cache",
                invalidator, Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("cache-invalidation")),
                infra.config().cache().secondDeleteMs(), infra.metrics()).start(Infrastructure.BROKER_WAIT);
        lifecycle.onStop("cache invalidation", remaining -> invalidation.close());
    }
}
