package io.flashcoupon.launcher;

import io.flashcoupon.core.Registry;
import io.flashcoupon.admin.CachedReads;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.config.ServiceConfig.Role;
import io.flashcoupon.discount.DiscountEngine;
import io.flashcoupon.core.outbox.Outbox;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.runtime.Infrastructure;
import io.flashcoupon.core.runtime.Lifecycle;
import io.flashcoupon.core.runtime.DaemonThreads;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.core.wallet.SaleRowCounts;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.core.sale.ledger.LedgerMetrics;
import io.flashcoupon.core.sale.ledger.PublicationRelay;
import io.flashcoupon.ingress.GrabMetrics;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.topology.outbox.OutboxRelay;
import io.flashcoupon.core.reconcile.ActivityReconciler;
import io.flashcoupon.core.reconcile.GrantConflicts;
import io.flashcoupon.core.reconcile.LedgerComparison;
import io.flashcoupon.core.reconcile.ReconcileMetrics;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import org.apache.rocketmq.client.exception.MQClientException;

/**
 * The parts more than one stage process uses, built once per process and only when a role it runs
 * uses them (null otherwise). Who needs what:
 * <ul>
 * <li>sold-out flags, cached reads, FlashSales: the ingress (admission, StartFlashSale) and the admin
 * API (operator actions; a restock or resume drops this process's sold-out flag, a write drops the row
 * from this process's caches).
 * <li>the grab's transactional producer: every process. The ingress grabs through it; reconciliation
 * re-publishes through it - topology's periodic job and the admin API's on-demand reconcile and
 * cleanup. The broker checks a half message back with any member of the producer group; every member
 * answers from the Redis ledger, so each process keeps one open (a topology-only process with its
 * reconcile job off still answers check-backs while the front doors are down).
 * <li>reconciliation: the admin API (on demand) and topology (periodic, business.reconcile.enabled).
 * <li>the outbox relay: every process. Where outbox rows are written a change is relayed at once (a
 * wake) rather than at another process's next poll - the Saga branches (gRPC on the ingress, HTTP on
 * the admin API) and topology's wallet expiry jobs; elsewhere its poll relays
 * rows written elsewhere; relays on several processes share the outbox by claims.
 * <li>the wallet (discount engine, order coupons, Saga branches): the ingress and the admin API.
 * </ul>
 */
record SharedParts(SoldOutFlags soldOut, CachedReads reads, FlashSales sales, GrabMetrics grabMetrics,
        GrantLedger ledger, ReconciliationReports reports, ReconcileMetrics reconcileMetrics,
        ActivityReconciler reconciler, OutboxRelay relay, OrderCoupons orderCoupons, CouponBranches branches) {

    /** Which shared parts the roles use, given the jobs business.* turns on (see the class comment). */
    record Uses(boolean sales, boolean ledger, boolean reconciliation, boolean relay, boolean wallet) {
        static Uses of(Set<Role> roles, ServiceConfig.Business business) {
            boolean frontDoor = roles.contains(Role.INGRESS) || roles.contains(Role.ADMIN);
            boolean periodicReconcile = roles.contains(Role.TOPOLOGY) && business.reconcile().enabled();
            // Producer and relay in every process, whatever its jobs: a topology process is where grab
            // events land, so it stays a member of the producer group that answers check-backs (a split
            // deployment whose front doors are all down must still settle half messages), and its relay
            // sends outbox rows a crashed front door left behind.
            boolean anyRole = !roles.isEmpty();
            return new Uses(frontDoor, anyRole, roles.contains(Role.ADMIN) || periodicReconcile, anyRole, frontDoor);
        }
    }

    /** Builds and starts what {@code roles} use on {@code infra}; stop steps go to {@code lifecycle}. */
    static SharedParts start(Infrastructure infra, Lifecycle lifecycle, Set<Role> roles) throws MQClientException {
        ServiceConfig config = infra.config();
        Uses uses = Uses.of(roles, config.business());

        // sales: the operator actions of both front doors, on this process's caches and sold-out flags
        SoldOutFlags soldOut = null;
        CachedReads reads = null;
        FlashSales sales = null;
        if (uses.sales()) {
            soldOut = new SoldOutFlags(config.business().flashsale().soldOutRecheckMs(), infra.clock()::millis);
            // What the admin API reads through, and drops after a write made here. A restock or resume drops
            // this process's sold-out flag at once; other instances' flags expire after sold-out-recheck-ms.
            CachedReads byId = CachedReads.cached(infra.templateCache(), infra.activityCache());
            // A template written here also drops this process's pages of published templates.
            reads = new CachedReads(byId.template(), byId.activity(), id -> {
                infra.templatePages().invalidateAll();
                byId.templateChanged().accept(id);
            }, byId.activityChanged());
            sales = new FlashSales(infra.activities(), infra.templates(), new SaleRowCounts(infra.dataSource()),
                    infra.store(), infra.clock(),
                    soldOut::clear, reads.activityChanged());
        }

        // the grab's ledger: group commit, its producer, and the relay of its publication outbox
        GrabMetrics grabMetrics = null;
        GrantLedger ledger = null;
        if (uses.ledger()) {
            ServiceConfig.Flashsale fs = config.business().flashsale();
            grabMetrics = new GrabMetrics(infra.metrics());
            ledger = new GrantLedger(infra.namesrvAddr(), infra.brokerHook(), infra.instance(),
                    config.rocketmq().sendTimeoutMs(), infra.store(), infra.clock(),
                    new GrantLedger.Batching(fs.grabBatchMax(), fs.grabBatchesInFlight()),
                    new LedgerMetrics(infra.metrics()), grabMetrics::checkedBack, Registry.GROUP_GRAB_PRODUCER,
                    Registry.TOPIC_COUPON_EVENTS);
            ledger.start();
            GrantLedger started = ledger;
            lifecycle.onStop("grab producer", remaining -> started.close());
            ReconciliationReports liveSales = new ReconciliationReports(infra.dataSource());
            PublicationRelay publications = new PublicationRelay(ledger, liveSales::segmentsToReconcile,
                    infra.clock(), fs.publishRelayMs(), fs.publishStaleMs(),
                    Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("publication-relay"))).start();
            // Before the producer: a pass in progress still has it.
            lifecycle.onStop("publication relay", remaining -> publications.close());
        }

        // reconciliation: compare a sale's ledger with its rows, re-publish what never became a row
        ReconciliationReports reports = null;
        ReconcileMetrics reconcileMetrics = null;
        ActivityReconciler reconciler = null;
        if (uses.reconciliation()) {
            reports = new ReconciliationReports(infra.dataSource());
            reconcileMetrics = new ReconcileMetrics(infra.metrics());
            reconciler = new ActivityReconciler(infra.activities(), infra.coupons(),
                    new GrantConflicts(infra.dataSource()), infra.store(), reports,
                    ledger, new LedgerComparison(config.business().reconcile().graceMs()),
                    infra.clock(), reconcileMetrics, new io.flashcoupon.core.reconcile.SaleFences(infra.dataSource())
                            .healedReader());
        }

        // the outbox relay: the wallet's lifecycle events, woken at once by a change made here
        ServiceConfig.Wallet wallet = config.business().wallet();
        OutboxRelay relay = null;
        if (uses.relay()) {
            relay = new OutboxRelay(new Outbox(infra.dataSource()), infra.namesrvAddr(), infra.brokerHook(), infra.instance(),
                    config.rocketmq().sendTimeoutMs(), wallet.outboxPollMs(), wallet.outboxBatchSize(),
                    wallet.outboxClaimMs(), infra.clock()).start();
            OutboxRelay started = relay;
            lifecycle.onStop("outbox relay", remaining -> started.close());
        }

        // paying with coupons: which coupons fit an order, and the Saga branches (gRPC and HTTP)
        OrderCoupons orderCoupons = null;
        CouponBranches branches = null;
        if (uses.wallet()) {
            DiscountEngine engine = new DiscountEngine();
            // Wallets through this process's cache (kept true by the binlog); each coupon priced by the
            // template version it was granted with (immutable, cached in memory).
            orderCoupons = new OrderCoupons(infra.terms(), userId -> infra.wallets().wallet(userId)
                    .newest(), infra.coupons(), engine, infra.clock());
            branches = new CouponBranches(infra.dataSource(), infra.terms(), engine, infra.clock(),
                    Duration.ofMillis(wallet.lockTtlMs()), relay::wake, (branch, r) -> infra.metrics().counter(
                            "coupon_saga_branches", "branch", branch,
                            "effect", r.effect().name().toLowerCase(Locale.ROOT),
                            "refusal", r.refusal() == null ? "none" : r.refusal().name().toLowerCase(Locale.ROOT))
                            .increment());
        }
        return new SharedParts(soldOut, reads, sales, grabMetrics, ledger, reports, reconcileMetrics, reconciler,
                relay, orderCoupons, branches);
    }
}
