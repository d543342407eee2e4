package io.flashcoupon.core.sale;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's node id - the 10 bits of every coupon_sn that keep two processes' sns apart -
 * leased in the sale Redis ({@link NodeLeaseStore}) so that no two live processes issue sns under the
 * same id, plus the id's high-water mark, which keeps one id's sns from repeating across its holders.
 *
 * <p>The rules it enforces:
 * <ul>
 * <li>At start the process claims server.node-id. If a live process holds it, server.node-id-policy
 * decides: {@code next-free} takes the lowest free id 0..1023; {@code refuse} waits out what is left
 * of the holder's lease once (a holder killed with kill -9 stops renewing, so its id frees within a
 * lease; a live one renews) and, if the id is still held, fails the start with
 * {@link NodeIdTakenException}, naming the id and the holder.
 * <li>The holder renews every third of server.node-lease-ms with a compare-owner script. It issues sns
 * only while its last successful renewal, counted on the monotonic clock from when it was sent, is
 * younger than the lease (less a drift margin): when Redis is unreachable or the lease was found taken,
 * {@link CouponSnGenerator#next} throws {@link SerialsUnavailableException} (grabs answer UNAVAILABLE)
 * before Redis could hand the id to anyone else. A lease found expired and free is claimed back; one
 * found taken stays lost until its new holder lets go.
 * <li>Sns of one id never repeat: the id's high-water mark (Unix ms) is stored ahead of every
 * millisecond its holder may issue. A claim starts the holder at max(now, mark + 1) and stores
 * start + ahead; renewals keep it ahead of the clock; the generator persists it synchronously only
 * when it would cross it (a clock jumped forward, or borrowing ahead after a step back). The hot path
 * does not write Redis. A graceful stop releases the lease and stores the exact last millisecond issued.
 * </ul>
 *
 * <p>Known gaps: the mark is as durable as Redis (a Redis that loses its last writes can lose a
 * renewal's advance; the mark runs at least 10 s ahead of the clock, so only a loss longer than that
 * could let a new holder reuse a millisecond, and the grab script's owner check is the backstop). A
 * thread paused between the validity check and its grab may still use an sn after the lease has
 * lapsed; that sn is below the mark the next holder starts above, so it still cannot repeat one.
 */
public final class NodeIdLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeIdLease.class);

    /** Node ids a coupon_sn can carry (10 bits). */
    public static final int NODE_IDS = 1024;
    /** The high-water mark runs at least this far ahead of the clock (and at least one lease). */
    static final long MIN_AHEAD_MS = 10_000;
    /** Added to a refusing start's wait for a holder's lease to run out. */
    private static final long EXPIRY_SLACK_MS = 50;
    /** The longest lease a holder can have (server.node-lease-ms): a refusal never waits longer. */
    private static final long MAX_WAIT_MS = 600_000;

    /** Waits {@code ms} (Thread::sleep in a service; tests move their clocks instead). */
    @FunctionalInterface
    public interface Pause {
        void pause(long ms) throws InterruptedException;
    }

    /**
     * One uninterrupted holding of the lease: the claim's generation (a claim back after a loss starts a
     * new one), the first millisecond it may issue, the high-water mark stored, and until when on the
     * monotonic clock it may issue without another successful renewal.
     */
    record Term(int generation, long startMs, long ceilingMs, long validUntilNanos) {}

    private final NodeLeaseStore store;
    private final int nodeId;
    private final int configuredId;
    private final String owner;
    private final long leaseMs;
    private final long aheadMs;
    private final long validityNanos;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final AtomicLong renewed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();
    private volatile Term term;
    private CouponSnGenerator generator;
    private ScheduledFuture<?> renewals;
    private boolean closed;
    private String lostTo;
    /** Claims made so far after the first (a claim back starts a new term). */
    private int generations;
    /** When the last claim was sent (monotonic): a claimed lease is valid for a lease from then. */
    private long claimSent;

    private NodeIdLease(NodeLeaseStore store, int nodeId, int configuredId, String owner, long leaseMs, Clock clock,
            LongSupplier nanoTime) {
        this.store = store;
        this.nodeId = nodeId;
        this.configuredId = configuredId;
        this.owner = owner;
        this.leaseMs = leaseMs;
        this.aheadMs = Math.max(MIN_AHEAD_MS, leaseMs);
        // Redis counts the lease from when it ran the script, the holder from when it sent it: 1 % + 2 ms
        // for clock-rate drift between the two.
        this.validityNanos = TimeUnit.MILLISECONDS.toNanos(leaseMs - leaseMs / 100 - 2);
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /**
     * Claims {@code configuredId} for {@code owner} (a token unique to this process), or as
     * {@code nextFree} says when a live process holds it; see the class comment. Renewals start with
     * {@link #renewEvery}. Throws {@link NodeIdTakenException} when no id could be leased, and the
     * store's exception when Redis fails.
     */
    public static NodeIdLease acquire(NodeLeaseStore store, int configuredId, boolean nextFree, long leaseMs,
            String owner, Clock clock, LongSupplier nanoTime, Pause pause) throws InterruptedException {
        if (configuredId < 0 || configuredId >= NODE_IDS) {
            throw new IllegalArgumentException("node id must be 0..1023, was " + configuredId);
        }
        Objects.requireNonNull(owner, "owner");
        NodeIdLease wanted = new NodeIdLease(store, configuredId, configuredId, owner, leaseMs, clock, nanoTime);
        NodeLeaseStore.Claim first = wanted.claim();
        if (first.claimed()) {
            return wanted.started(first, null);
        }
        if (nextFree) {
            for (int id = 0; id < NODE_IDS; id++) {
                if (id == configuredId) {
                    continue;
                }
                NodeIdLease other = new NodeIdLease(store, id, configuredId, owner, leaseMs, clock, nanoTime);
                NodeLeaseStore.Claim c = other.claim();
                if (c.claimed()) {
                    return other.started(c, first);
                }
            }
            throw new NodeIdTakenException("no node id is free: all " + NODE_IDS + " are leased by live processes ("
                    + "server.node-id " + configuredId + " by " + first.holder() + ")");
        }
        // refuse: a holder that was killed stops renewing, so what is left of its lease is the longest wait
        long waitedMs = 0;
        if (first.holderTtlMs() > 0) {
            waitedMs = Math.min(first.holderTtlMs(), MAX_WAIT_MS) + EXPIRY_SLACK_MS;
            log.info("node id {} is leased by {} ({} ms left): waiting {} ms to see whether it renews",
                    configuredId, first.holder(), first.holderTtlMs(), waitedMs);
            pause.pause(waitedMs);
            NodeLeaseStore.Claim again = wanted.claim();
            if (again.claimed()) {
                return wanted.started(again, first);
            }
            first = again;
        }
        throw new NodeIdTakenException("server.node-id " + configuredId + " is leased by " + first.holder()
                + ", a live process (still held after waiting " + waitedMs + " ms for the lease to lapse; "
                + (first.holderTtlMs() < 0 ? "it has no expiry" : first.holderTtlMs() + " ms left") + ") and"
                + " server.node-id-policy is refuse: give this process another server.node-id, stop that process,"
                + " or set server.node-id-policy: next-free");
    }

    private NodeLeaseStore.Claim claim() {
        claimSent = nanoTime.getAsLong();
        return store.claim(nodeId, owner, leaseMs, clock.millis(), aheadMs);
    }

    /** The lease is held by claim {@code c}; {@code refused} = the configured id's refusal, if it was refused. */
    private NodeIdLease started(NodeLeaseStore.Claim c, NodeLeaseStore.Claim refused) {
        term = new Term(0, c.startMs(), c.ceilingMs(), claimSent + validityNanos);
        log.info("node id {} leased by {}{}; lease {} ms, renewed every {} ms; sns from {} (high-water mark {} ms"
                        + " ahead)", nodeId, owner,
                refused == null ? "" : " (server.node-id " + configuredId + " is leased by " + refused.holder() + ")",
                leaseMs, renewIntervalMs(), c.startMs(), aheadMs);
        return this;
    }

    /** The leased node id (server.node-id, or another free one as the policy allowed). */
    public int nodeId() {
        return nodeId;
    }

    /** The token this process holds its lease under. */
    public String owner() {
        return owner;
    }

    /** True while this process may issue sns under its node id (its lease is held and fresh). */
    public boolean held() {
        return current() != null;
    }

    long renewIntervalMs() {
        return Math.max(1, leaseMs / 3);
    }

    /** Renews on {@code scheduler} every third of the lease until {@link #close}. */
    public synchronized void renewEvery(ScheduledExecutorService scheduler) {
        if (closed || renewals != null) {
            throw new IllegalStateException("renewals of node id " + nodeId + " already started or closed");
        }
        long every = renewIntervalMs();
        renewals = scheduler.scheduleWithFixedDelay(this::renewNow, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * One renewal (what the schedule runs): extends the lease and moves the high-water mark a step ahead
     * of the clock, or notices the lease lost (issuing stops at once) and tries to claim it back. Never
     * throws: a Redis failure is counted and logged, and issuing stops by itself once the lease lapses.
     */
    synchronized void renewNow() {
        if (closed) {
            return;
        }
        Term t = term;
        long sent = nanoTime.getAsLong();
        try {
            if (t != null) {
                NodeLeaseStore.Renewal r = store.renew(nodeId, owner, leaseMs,
                        Math.max(t.ceilingMs(), clock.millis() + aheadMs));
                if (r.renewed()) {
                    term = new Term(t.generation(), t.startMs(), r.ceilingMs(), sent + validityNanos);
                    renewed.incrementAndGet();
                    return;
                }
                lose(r.holder());
            }
            NodeLeaseStore.Claim c = claim();
            if (c.claimed()) {
                term = new Term(++generations, c.startMs(), c.ceilingMs(), sent + validityNanos);
                reclaimed.incrementAndGet();
                lostTo = null;
                log.warn("node id {} claimed back by {}: sns resume from {}", nodeId, owner, c.startMs());
            } else if (!Objects.equals(lostTo, c.holder())) {
                lostTo = c.holder();
                log.error("node id {} is leased by {}: this process issues no sns (grabs answer UNAVAILABLE) until"
                        + " that process lets go of it; restart this one to lease another id", nodeId, c.holder());
            }
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            Term now = term;
            log.warn("renewing the lease on node id {} failed: {}; sns stop {}", nodeId, e.getMessage(),
                    now == null ? "(already stopped)"
                            : "in " + Math.max(0, TimeUnit.NANOSECONDS.toMillis(now.validUntilNanos() - nanoTime
                                    .getAsLong())) + " ms unless a renewal succeeds");
        }
    }

    /** The lease was found not ours: issuing stops now. */
    private void lose(String holder) {
        term = null;
        lost.incrementAndGet();
        log.error("the lease on node id {} was lost ({}): sns stop at once, grabs answer UNAVAILABLE", nodeId,
                holder == null ? "it expired before a renewal reached Redis" : "now held by " + holder);
    }

    /** The term sns may be issued under now, or null when the lease is not held or has lapsed. */
    Term current() {
        Term t = term;
        return t != null && nanoTime.getAsLong() - t.validUntilNanos() < 0 ? t : null;
    }

    /**
     * Stores a high-water mark of at least {@code ms} + ahead before the generator issues {@code ms}
     * (it found {@code ms} above the mark); returns the mark stored. Throws
     * {@link SerialsUnavailableException} when the lease is not held or Redis failed.
     */
    synchronized long reserve(long ms) {
        Term t = current();
        if (t == null) {
            throw unavailable(null);
        }
        long sent = nanoTime.getAsLong();
        NodeLeaseStore.Renewal r;
        try {
            r = store.renew(nodeId, owner, leaseMs, Math.max(ms, clock.millis()) + aheadMs);
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            throw new SerialsUnavailableException("node id " + nodeId + ": the high-water mark of its sns could"
                    + " not be moved ahead: " + e.getMessage(), e);
        }
        if (!r.renewed()) {
            lose(r.holder());
            throw unavailable(null);
        }
        term = new Term(t.generation(), t.startMs(), r.ceilingMs(), sent + validityNanos);
        return r.ceilingMs();
    }

    SerialsUnavailableException unavailable(Throwable cause) {
        return new SerialsUnavailableException("this process does not hold the lease on node id " + nodeId
                + " now (lost, lapsed while Redis was unreachable, or released); no coupon_sn issued, retry", cause);
    }

    /** Binds the one generator that issues under this lease; a second one is refused (same id, same sns). */
    synchronized void bind(CouponSnGenerator g) {
        if (generator != null) {
            throw new IllegalStateException("node id " + nodeId + " already has a generator: two would repeat sns");
        }
        if (closed) {
            throw new IllegalStateException("the lease on node id " + nodeId + " is closed");
        }
        generator = g;
    }

    /**
     * Meters: coupon_node_id (the leased id), coupon_node_lease_held (1 while sns may be issued),
     * coupon_node_lease_renewals_total by result (renewed, failed, lost, reclaimed).
     */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("coupon.node.id", this, l -> l.nodeId)
                .description("the node id this process leased (part of every coupon_sn it issues)").register(registry);
        Gauge.builder("coupon.node.lease.held", this, l -> l.held() ? 1 : 0)
                .description("1 while this process holds a fresh lease on its node id and may issue coupon_sns")
                .register(registry);
        counter(registry, "renewed", renewed);
        counter(registry, "failed", failed);
        counter(registry, "lost", lost);
        counter(registry, "reclaimed", reclaimed);
    }

    private static void counter(MeterRegistry registry, String result, AtomicLong count) {
        FunctionCounter.builder("coupon.node.lease.renewals", count, AtomicLong::get).tag("result", result)
                .description("renewals of the node-id lease by result").register(registry);
    }

    /**
     * Stops renewing and issuing, then releases the lease and stores the exact last millisecond issued
     * as the high-water mark (when the lease is still this process's). Idempotent.
     */
    @Override
    public void close() {
        CouponSnGenerator g;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (renewals != null) {
                renewals.cancel(false);
            }
            g = generator;
        }
        // outside this lock: the generator takes its own lock first, then this one (reserve)
        long lastIssued = g == null ? Long.MIN_VALUE : g.stopIssuing();
        Term t;
        synchronized (this) {
            t = term;
            term = null;
        }
        if (t == null) {
            log.info("node id {}: no lease held at stop, nothing to release", nodeId);
            return;
        }
        long mark = Math.max(lastIssued, t.startMs() - 1);
        try {
            if (store.release(nodeId, owner, mark)) {
                log.info("node id {} released by {}; high-water mark {}", nodeId, owner, mark);
            } else {
                log.warn("node id {} was no longer leased by {} at stop; nothing released", nodeId, owner);
            }
        } catch (RuntimeException e) {
            log.warn("releasing node id {} failed ({}); its lease expires within {} ms", nodeId, e.getMessage(),
                    leaseMs);
        }
    }
}
