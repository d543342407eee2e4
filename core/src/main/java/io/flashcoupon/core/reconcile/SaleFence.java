package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.audit.AuditLog;
import io.flashcoupon.core.audit.AuditRecord;
import io.flashcoupon.core.observe.LogFields;
import io.flashcoupon.core.reconcile.FenceDecision.Reason;
import io.flashcoupon.core.sale.OperationId;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.SaleTransition;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.wallet.GrantRecord;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that Redis lost grants of a live sale and heals it before it sells them again
 * (docs/operations.md "Fence and heal"). Per sale and pass: rows are counted in MySQL, then Redis's
 * run id, the sale hash and its ledger size are read; {@link FenceDecision} says whether to fence.
 * A verified sale gets its lease renewed (lua/lease.lua: grab.lua refuses a sale whose lease lapsed,
 * so a Redis restored from an older copy sells nothing before this checker saw it).
 *
 * <p>A heal: fence in MySQL first (durable: a Redis that loses the flag again is re-fenced), then in
 * Redis (lua/fence.lua; a missing sale hash is re-created with stock 0, never re-seeded); re-apply
 * every user_coupons row of the sale in batches by id (lua/heal.lua: ledger entry, void entry
 * removed, user count raised to the row's seq); keep paging rows that land while fenced until none
 * came for {@code settleMs} (grants whose event was committed but not yet materialized land then);
 * then lua/heal_settle.lua sets stock = total - ledger size, pauses an ACTIVE sale when the ledger exceeds
 * the total (oversold_by in the report, never hidden; the pause goes to the audit log as actor system),
 * lifts the fence and grants a lease - only if Redis is still the process the heal verified, else the
 * next pass heals again. Idempotent per row,
 * so several instances may run it at once.
 *
 * <p>Known gaps: request ids are not in MySQL, so a retry of a request whose Redis entry was lost is
 * granted again (a second coupon within the user's limit). An event held longer than settleMs (broker
 * down) materializes after the fence was lifted: its row makes the ledger fall behind again and the
 * next pass heals again, reporting any oversell. The pass counts rows per sale (an index range scan,
 * O(rows)) and a heal runs on the checker's thread, holding up the other sales' checks.
 */
public final class SaleFence {
    private static final Logger log = LoggerFactory.getLogger(SaleFence.class);
    /** Rows per heal.lua call: bounds the time one call holds the Redis thread. */
    static final int BATCH = 500;

    /** What a heal did. */
    public record Heal(long activityId, Reason reason, long snsReadded, long ledgerSize, long stock, long oversoldBy,
            ActivityStatus status) {}

    private final ActivityRepository activities;
    private final AuditLog audit;
    private final UserCouponRepository coupons;
    private final java.util.function.LongUnaryOperator rowCount;
    private final SaleStore store;
    private final SaleSegments segments;
    private final SaleFences fences;
    private final Supplier<List<Long>> live;
    private final Clock clock;
    private final long leaseMs;
    private final long settleMs;
    private final Map<Reason, Counter> heals = new EnumMap<>(Reason.class);
    private final Counter oversold;
    private final Set<Long> fenced = ConcurrentHashMap.newKeySet();

    /**
     * {@code live} lists the started, not cleaned-up sales; {@code leaseMs} is how long a verified sale
     * may sell without the next check (must exceed the check interval); {@code settleMs} how long a heal
     * waits for rows still landing. {@code rowCount} is a sale's user_coupons rows as the sink counted
     * them in the transactions that inserted them (sale_row_counts: one row read per sale and pass; a
     * COUNT(*) over every live sale's rows made a pass outlast the lease on a loaded box, and the sales
     * at the end of the pass refused grabs until the next one).
     */
    public SaleFence(ActivityRepository activities, UserCouponRepository coupons,
            java.util.function.LongUnaryOperator rowCount, SaleStore store, SaleFences fences,
            Supplier<List<Long>> live, Clock clock, MeterRegistry registry, long leaseMs, long settleMs,
            AuditLog audit) {
        this.audit = audit;
        this.activities = activities;
        this.coupons = coupons;
        this.rowCount = rowCount;
        this.store = store;
        this.segments = new SaleSegments(store);
        this.fences = fences;
        this.live = live;
        this.clock = clock;
        this.leaseMs = leaseMs;
        this.settleMs = settleMs;
        for (Reason r : Reason.values()) {
            heals.put(r, Counter.builder("coupon.sale.heals").tag("reason", r.name().toLowerCase(Locale.ROOT))
                    .description("sales fenced and healed because Redis may have lost grants (alert on any)")
                    .register(registry));
        }
        oversold = Counter.builder("coupon.sale.oversold.coupons")
                .description("grants beyond a sale's total found by heals (sold twice after Redis lost grants)")
                .register(registry);
        Gauge.builder("coupon.sale.fenced", fenced, Set::size).strongReference(true)
                .description("sales this process holds fenced while it heals them").register(registry);
    }

    /** Checks every live sale once; a failure on one is logged and does not stop the others. */
    public int checkAll() {
        int healed = 0;
        for (long id : live.get()) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            try (LogFields fields = LogFields.activity(id)) {
                if (check(id).isPresent()) {
                    healed++;
                }
            } catch (RuntimeException e) {
                log.error("fence check of activity {} failed", id, e);
            }
        }
        return healed;
    }

    /**
     * Checks one sale; heals it when Redis may have lost grants. Empty when it was verified as it is. A
     * split sale is checked as a whole: its run id is every segment's master's, joined; it exists when
     * every segment does, is fenced when any is, and its ledger is the segments' summed.
     */
    public Optional<Heal> check(long activityId) {
        Optional<SaleFences.Row> row = fences.find(activityId);
        long rows = rowCount.applyAsLong(activityId);
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new IllegalStateException("activity " + activityId + " is live but has no row"));
        List<Segment> segments = SaleSegments.of(activity);
        List<String> runIds = new ArrayList<>(segments.size());
        boolean exists = true;
        boolean fencedInRedis = false;
        long ledgerSize = 0;
        for (Segment s : segments) {
            runIds.add(store.runId(s));
            SaleStore.FenceView view = store.fenceView(s);
            exists &= view.exists();
            fencedInRedis |= view.fenced() != null;
            ledgerSize += view.ledgerSize();
        }
        String runId = String.join(",", runIds);
        if (!exists && cleaningUp(segments)) {
            log.info("fence check of activity {}: a cleanup removed (part of) it; not checked", activityId);
            return Optional.empty();
        }
        Optional<Reason> reason = FenceDecision.decide(row.map(r -> r.fencedAtMs() != null).orElse(false),
                row.map(SaleFences.Row::redisRunId).orElse(null), runId, exists, fencedInRedis, ledgerSize, rows);
        if (reason.isEmpty()) {
            if (row.isEmpty() || !runId.equals(row.get().redisRunId())) {
                fences.verified(activityId, runId);
            }
            for (int i = 0; i < segments.size(); i++) {
                store.renewLease(segments.get(i), runIds.get(i), leaseMs);
            }
            // A status change cut short between the segments of a split sale is completed here.
            this.segments.syncStatus(activity);
            return Optional.empty();
        }
        log.error("FENCE activity {}: {} (Redis run id {} , last verified on {}; {} rows, ledger {}, sale hash {}):"
                + " fencing and healing", activityId, reason.get(), runId, row.map(SaleFences.Row::redisRunId)
                .orElse("none"), rows, ledgerSize, exists ? "present" : "missing");
        return Optional.of(heal(activity, segments, reason.get(), runIds));
    }

    private Heal heal(Activity activity, List<Segment> segments, Reason reason, List<String> runIds) {
        long activityId = activity.id();
        fenced.add(activityId);
        try {
            fences.fence(activityId, reason.name(), clock.millis());
            ActivityStatus status = activity.status() == ActivityStatus.PENDING ? ActivityStatus.ACTIVE : activity.status();
            long[] recreatedTotals = recreatedTotals(activity, segments);
            for (Segment s : segments) {
                if (store.fence(s, activity, status, reason.name(), recreatedTotals[s.index()])) {
                    log.error("FENCE {}: the sale hash was gone; re-created with stock 0 and total {} while healed", s,
                            recreatedTotals[s.index()]);
                }
            }
            long readded = 0;
            long after = 0;
            long quietSince = clock.millis();
            while (true) {
                List<GrantRecord> page = coupons.grantsAfter(activityId, after, BATCH);
                if (!page.isEmpty()) {
                    Map<Segment, List<GrantRecord>> bySegment = new LinkedHashMap<>();
                    for (GrantRecord r : page) {
                        bySegment.computeIfAbsent(SaleSegments.ofUser(activity, r.userId()), k -> new ArrayList<>()).add(r);
                    }
                    for (Map.Entry<Segment, List<GrantRecord>> e : bySegment.entrySet()) {
                        long n = store.heal(e.getKey(), e.getValue());
                        if (n < 0) {
                            throw new IllegalStateException(e.getKey() + " was unfenced during its heal");
                        }
                        readded += n;
                    }
                    after = page.get(page.size() - 1).id();
                    quietSince = clock.millis();
                    continue;
                }
                if (clock.millis() - quietSince >= settleMs) {
                    break;
                }
                pause(Math.min(100, settleMs));
            }
            if (segments.size() > 1) {
                mendTransfers(activity, segments, String.join(",", runIds));
            }
            long ledgerSize = 0;
            long stock = 0;
            long oversoldBy = 0;
            ActivityStatus settledStatus = null;
            for (int i = 0; i < segments.size(); i++) {
                SaleStore.Settled settled = store.settleHeal(segments.get(i), runIds.get(i), leaseMs);
                if (settled == null) {
                    throw new IllegalStateException("Redis restarted (run id no longer " + runIds.get(i) + ") while "
                            + segments.get(i) + " was healed; it stays fenced and is healed again");
                }
                ledgerSize += settled.ledgerSize();
                stock += settled.stock();
                oversoldBy += settled.oversoldBy();
                if (settledStatus == null || settled.status() == ActivityStatus.PAUSED) {
                    settledStatus = settled.status();
                }
            }
            if (oversoldBy > 0) {
                if (segments.size() > 1) {
                    // heal_settle paused the oversold segments; the others follow, so the sale is paused whole.
                    this.segments.transition(activity, SaleTransition.PAUSE,
                            OperationId.fresh());
                }
                if (activities.transition(activityId, ActivityStatus.ACTIVE, ActivityStatus.PAUSED)) {
                    auditPause(activityId, reason, ledgerSize, oversoldBy);
                }
                oversold.increment(oversoldBy);
                log.error("FENCE activity {}: OVERSOLD by {} ({} grants for a total of {}); the sale is paused",
                        activityId, oversoldBy, ledgerSize, ledgerSize - oversoldBy);
            }
            String runId = String.join(",", runIds);
            fences.healed(activityId, runId, clock.millis(), readded, oversoldBy);
            heals.get(reason).increment();
            log.warn("FENCE activity {}: healed ({}): {} row(s) re-added to the ledger, ledger {}, stock {}, status {}",
                    activityId, reason, readded, ledgerSize, stock, settledStatus);
            return new Heal(activityId, reason, readded, ledgerSize, stock, oversoldBy, settledStatus);
        } finally {
            fenced.remove(activityId);
        }
    }

    /**
     * Makes the fenced segments' transfer records agree before their stock is set from them: a loan a
     * donor lost is recorded on it again, a loan its receiver lost (or never got) is credited; then a
     * segment whose re-applied rows exceed what it holds is covered by loans from the segments with
     * stock to spare, so a sale oversold in one segment only is not oversold at all.
     */
    private void mendTransfers(Activity activity, List<Segment> segments, String runIds) {
        SaleSegments sale = this.segments;
        List<Map<String, String>> records = sale.transfers(activity.id(), segments.size());
        for (SaleSegments.Transfer t : SaleSegments.unrecordedLoans(records)) {
            if (store.restoreLent(segments.get(t.donor()), t.id(), t.receiver(), t.amount()) > 0) {
                log.error("FENCE {}: restored its loan {} of {} coupon(s) to segment {}, which the receiver holds",
                        segments.get(t.donor()), t.id(), t.amount(), t.receiver());
            }
        }
        sale.completeTransfers(activity.id(), segments.size(), null);
        long[] balance = new long[segments.size()];
        long[] ledgers = new long[segments.size()];
        for (int i = 0; i < segments.size(); i++) {
            SaleStore.SaleState part = store.state(segments.get(i)).orElseThrow(() ->
                    new IllegalStateException("a fenced segment of activity " + activity.id() + " is gone"));
            ledgers[i] = part.ledger().size();
            balance[i] = SaleSegments.quota(part) - ledgers[i];
        }
        List<SaleStore.SegmentView> views = store.views(segments);
        for (int short_ = 0; short_ < balance.length; short_++) {
            for (int donor = 0; donor < balance.length && balance[short_] < 0; donor++) {
                if (balance[donor] <= 0) {
                    continue;
                }
                long amount = Math.min(balance[donor], -balance[short_]);
                // The same id for every checker healing the same loss at once (same run ids, same rows), so
                // concurrent heals record one loan, not one each.
                String id = "heal:" + Integer.toHexString(runIds.hashCode()) + ":" + donor + ":" + short_ + ":"
                        + ledgers[short_];
                long recorded = store.restoreLent(segments.get(donor), id, short_, amount);
                if (recorded < 0) {
                    throw new IllegalStateException(segments.get(donor) + " was unfenced during its heal");
                }
                // Credit what the donor records: a checker healing at once may have recorded another amount.
                store.credit(segments.get(short_), id, donor, recorded, views.get(short_).epoch());
                amount = recorded;
                balance[donor] -= amount;
                balance[short_] += amount;
                log.error("FENCE {}: {} grant(s) beyond its stock covered by a loan {} from segment {}",
                        segments.get(short_), amount, id, donor);
            }
        }
    }

    /**
     * The total each segment gets if its sale hash is gone: a sale of one segment its activity's total; a
     * split sale's missing segments share what the activity's total leaves over the others' totals (which
     * only restocks of the first segment change), so the segments' totals add up to the activity's again.
     */
    private long[] recreatedTotals(Activity activity, List<Segment> segments) {
        long[] out = new long[segments.size()];
        if (segments.size() == 1) {
            out[0] = activity.totalCount();
            return out;
        }
        long left = activity.totalCount();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            SaleStore.SaleSnapshot part = store.snapshot(segments.get(i));
            if (part.exists()) {
                left -= part.total();
            } else {
                missing.add(i);
            }
        }
        for (int k = 0; k < missing.size(); k++) {
            out[missing.get(k)] = Math.max(0, Segment.allotment((int) Math.max(0, left), k, missing.size()));
        }
        return out;
    }

    /** Whether a cleanup removed any segment of the sale (its tombstone is there): nothing to heal then. */
    private boolean cleaningUp(List<Segment> segments) {
        for (Segment s : segments) {
            if (store.tombstone(s).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The audit record of the pause a heal made (actor system). A record that cannot be stored is not
     * retried: the pause is done, nobody waits for an answer, and AuditLog's ERROR line holds it.
     */
    private void auditPause(long activityId, Reason reason, long ledgerSize, long oversoldBy) {
        try {
            audit.append(new AuditRecord(0, clock.millis(), AuditRecord.SYSTEM, AuditRecord.SYSTEM, "activity.pause",
                    "activity", Long.toString(activityId), "fence-" + activityId + "-" + clock.millis(),
                    AuditRecord.Outcome.DONE, null, "a heal (" + reason + ") found the sale oversold by "
                            + oversoldBy + " and paused it", "{\"status\":\"ACTIVE\"}",
                    "{\"status\":\"PAUSED\",\"ledger_size\":" + ledgerSize + ",\"oversold_by\":"
                            + oversoldBy + "}"));
        } catch (RuntimeException e) {
            log.error("FENCE activity {}: the pause was done but its audit record was not stored", activityId, e);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while healing", e);
        }
    }
}
