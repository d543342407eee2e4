package io.flashcoupon.core.sale;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.redis.LuaScript;
import io.flashcoupon.core.redis.RedisAccess;
import io.flashcoupon.core.redis.RedisDurability;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The live state of flash sales in Redis: stock, per-user counts, the ledger of grants and the
 * void set of rolled-back grabs, all on keys of one hash slot per activity and without TTL.
 * Redis is the truth while a sale lives; MySQL rows follow from the ledger. Operators' status
 * changes and restocks are scripts on the sale hash too, so each is atomic with every grab; they and
 * cleanup take an {@link OperationId} and record it, so a replay of the same call (Lettuce re-sends
 * a command whose reply was lost) answers what the call did instead of judging the changed state.
 * Nothing it answers is acknowledged before Redis made it durable: every answer that promises
 * something (a grant, a request id's recorded outcome, a check-back's verdict, a start, status change,
 * restock or cleanup) passes through {@link RedisDurability} first, and a write it cannot confirm
 * fails the call (outcome unknown, never GRANTED).
 */
public final class SaleStore {
    private final RedisAccess access;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final LuaScript grab;
    private final LuaScript resolve;
    private final LuaScript start;
    private final LuaScript settle;
    private final LuaScript transition;
    private final LuaScript restock;
    private final LuaScript state;
    private final LuaScript cleanup;
    private final LuaScript snapshot;
    private final LuaScript fence;
    private final LuaScript heal;
    private final LuaScript healSettle;
    private final LuaScript lease;
    private final LuaScript debit;
    private final LuaScript credit;
    private final LuaScript restoreLent;
    private final LuaScript unlock;
    private final LuaScript follow;
    private final LuaScript lead;
    private final Duration timeout;
    private final RedisDurability durability;

    /** For tools and tests on a Redis that runs appendfsync always ({@link RedisDurability#serverFsyncs}). */
    public SaleStore(StatefulRedisConnection<String, String> connection, Duration timeout) {
        this(RedisAccess.of(connection), timeout, RedisDurability.serverFsyncs());
    }

    /** The service's store: {@code durability} as chosen at start ({@link RedisDurability#start}). */
    public SaleStore(RedisAccess access, Duration timeout, RedisDurability durability) {
        this.access = access;
        this.redis = access.async();
        this.durability = durability;
        this.grab = new LuaScript("lua/grab.lua", ScriptOutputType.MULTI, access);
        this.resolve = new LuaScript("lua/resolve.lua", ScriptOutputType.INTEGER, access);
        this.start = new LuaScript("lua/start.lua", ScriptOutputType.INTEGER, access);
        this.settle = new LuaScript("lua/settle.lua", ScriptOutputType.MULTI, access);
        this.transition = new LuaScript("lua/transition.lua", ScriptOutputType.MULTI, access);
        this.restock = new LuaScript("lua/restock.lua", ScriptOutputType.MULTI, access);
        this.state = new LuaScript("lua/state.lua", ScriptOutputType.MULTI, access);
        this.cleanup = new LuaScript("lua/cleanup.lua", ScriptOutputType.INTEGER, access);
        this.snapshot = new LuaScript("lua/snapshot.lua", ScriptOutputType.MULTI, access);
        this.fence = new LuaScript("lua/fence.lua", ScriptOutputType.INTEGER, access);
        this.heal = new LuaScript("lua/heal.lua", ScriptOutputType.MULTI, access);
        this.healSettle = new LuaScript("lua/heal_settle.lua", ScriptOutputType.MULTI, access);
        this.lease = new LuaScript("lua/lease.lua", ScriptOutputType.MULTI, access);
        this.debit = new LuaScript("lua/debit.lua", ScriptOutputType.INTEGER, access);
        this.credit = new LuaScript("lua/credit.lua", ScriptOutputType.INTEGER, access);
        this.restoreLent = new LuaScript("lua/restore_lent.lua", ScriptOutputType.INTEGER, access);
        this.unlock = new LuaScript("lua/unlock.lua", ScriptOutputType.INTEGER, access);
        this.follow = new LuaScript("lua/follow.lua", ScriptOutputType.INTEGER, access);
        this.lead = new LuaScript("lua/lead.lua", ScriptOutputType.MULTI, access);
        this.timeout = timeout;
    }

    /** How long a blocking call waits for Redis. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Copies the activity into Redis unless this same sale is there already (then it is resumed as
     * it is, never re-seeded); true when this call created it. Throws ConflictException when Redis
     * holds a different sale under the same id (a shared or stale Redis). A sale of one segment only
     * (SaleSegments starts a split one).
     */
    public boolean start(Activity a) {
        if (a.segments() != 1) {
            throw new IllegalArgumentException("activity " + a.id() + " is split into " + a.segments()
                    + " segments; start it through SaleSegments");
        }
        return start(Segment.only(a.id()), a);
    }

    /**
     * {@link #start(Activity)} of one segment of {@code a}: its share of the stock
     * ({@link Segment#allotment}), marked as a segment of a split sale when there are several.
     */
    public boolean start(Segment segment, Activity a) {
        Long created = await(this.<Long>acknowledged(segment, start, new String[] {Registry.saleKey(segment)},
                String.valueOf(ActivityStatus.ACTIVE.code()),
                String.valueOf(a.startTime().toEpochMilli()),
                String.valueOf(a.endTime().toEpochMilli()),
                String.valueOf(a.perUserLimit()),
                String.valueOf(Segment.allotment(a.totalCount(), segment.index(), segment.count())),
                identity(segment, a),
                segment.split() ? "1" : ""));
        if (created == -1L) {
            throw new ConflictException("Redis already holds a different sale under key " + Registry.saleKey(segment)
                    + " (another database shares this Redis, or the database was reset); refusing to resume it");
        }
        return created == 1L;
    }

    /**
     * What makes a sale this activity's: id, template, stock, window and limit, as the activity was
     * when the sale was started. Restock raises total_count later but leaves the stored identity
     * alone; the only comparison (start.lua) runs for PENDING activities, which cannot have been
     * restocked (restock needs ACTIVE or PAUSED), so a restocked sale is never compared again.
     */
    static String identity(Activity a) {
        return a.id() + "/" + a.templateId() + "/" + a.totalCount() + "/" + a.startTime().toEpochMilli() + "/"
                + a.endTime().toEpochMilli() + "/" + a.perUserLimit();
    }

    /** {@link #identity(Activity)}, with the segment for a split sale. */
    static String identity(Segment segment, Activity a) {
        return segment.split() ? identity(a) + "/" + segment.index() + "of" + segment.count() : identity(a);
    }

    /**
     * Runs the grab script (see lua/grab.lua) for a batch of grabs of one sale, in order, in one
     * atomic call (group commit); returns one result per grab. The grants and their publication
     * outbox entry {@code batchId} (unique; holding {@code createdAtMs} and {@code templateId}, which the
     * relay needs to build the events) are written together. A request id makes the request's first
     * definitive outcome stick: a retry of a granted request answers REPEATED, of a refused one the same
     * refusal ({@link GrabResult#recorded}). Completes only once durable; when that cannot be confirmed,
     * or Redis fails, the stage fails (outcome unknown: the grants may be in the ledger and the outbox).
     */
    public CompletionStage<List<GrabResult>> grab(long activityId, long templateId, String batchId, long createdAtMs,
            List<GrabCandidate> grabs) {
        return grab(Segment.only(activityId), templateId, batchId, createdAtMs, grabs);
    }

    /** {@link #grab(long, long, String, long, List)} on one segment of a sale. */
    public CompletionStage<List<GrabResult>> grab(Segment segment, long templateId, String batchId, long createdAtMs,
            List<GrabCandidate> grabs) {
        String[] args = new String[3 + 4 * grabs.size()];
        args[0] = batchId;
        args[1] = Long.toString(createdAtMs);
        args[2] = Long.toString(templateId);
        int i = 3;
        for (GrabCandidate g : grabs) {
            args[i++] = Long.toString(g.userId());
            args[i++] = g.couponSn();
            args[i++] = Long.toString(g.grantedAtMs());
            args[i++] = g.requestId() == null ? "" : g.requestId();
        }
        return this.<List<Object>>acknowledged(segment, grab, Registry.saleKeys(segment), args)
                .thenApply(reply -> GrabResult.fromBatchReply(reply, grabs.size()));
    }

    /** Blocking form of {@link #grab} for a batch of one, its batch id made from its coupon_sn. */
    public GrabResult grabSync(long activityId, long templateId, GrabCandidate grab) {
        return await(grab(activityId, templateId, "b" + grab.couponSn(), grab.grantedAtMs(), List.of(grab))).get(0);
    }

    /**
     * Removes batch {@code batchId}'s publication outbox entry: its events are in the broker. Not made
     * durable: an entry that comes back after a crash is sent once more, and consumers deduplicate.
     */
    public CompletionStage<Long> published(Segment segment, String batchId) {
        return redis.hdel(Registry.publicationsKey(segment), batchId);
    }

    /**
     * Runs {@code script} on sale {@code activityId}'s keys and completes with its reply once everything
     * the server that ran it had written is durable (see RedisDurability). On a cluster the script is
     * sent on the own connection of the master serving the sale's slot, which follows no MOVED/ASK
     * redirect (a redirect fails the call: nothing ran), so the confirmation waits on the server that
     * ran it; a slot that changed master while the call ran makes the outcome unknown.
     */
    private <T> CompletionStage<T> acknowledged(Segment segment, LuaScript script, String[] keys, String... args) {
        String key = Registry.saleKey(segment);
        return access.targetOf(key).thenCompose(target -> script.<T>call(target.async(), keys, args)
                .thenCompose(reply -> durability.confirm(target, key, reply)));
    }

    /**
     * coupon_sn -> the client request id it was granted to, from the sale's request hash (refusals
     * left out); empty when none. Reads the whole hash: O(requests) on the Redis thread.
     */
    public Map<String, String> requestIdsByGrant(Segment segment) {
        Map<String, String> bySn = new HashMap<>();
        await(redis.hgetall(Registry.requestsKey(segment))).forEach((request, outcome) -> {
            int colon = request.indexOf(':');
            if (colon > 0 && !outcome.startsWith("!")) {
                bySn.put(outcome, request.substring(colon + 1));
            }
        });
        return bySn;
    }

    /** The sale's publication outbox: batch id -> entry (see Registry#publicationsKey); empty when none. */
    public Map<String, String> publications(Segment segment) {
        return await(redis.hgetall(Registry.publicationsKey(segment)));
    }

    /**
     * The transaction checker's question: is {@code couponSn} in the ledger as the grant of
     * {@code grantee} ("userId:seq"; null or empty: as anyone's)? When it is not there at all, it is
     * voided atomically so the grab can never land later; when it is another grab's (the same
     * coupon_sn made twice), false and nothing is voided. Throws on any Redis failure (the caller
     * answers UNKNOWN then, never ROLLBACK).
     */
    public boolean resolve(long activityId, String couponSn, String grantee) {
        return resolve(Segment.only(activityId), couponSn, grantee);
    }

    /** {@link #resolve(long, String, String)} on one segment of a sale. */
    public boolean resolve(Segment segment, String couponSn, String grantee) {
        Long inLedger = await(this.<Long>acknowledged(segment, resolve, Registry.saleKeys(segment), couponSn,
                grantee == null ? "" : grantee));
        return inLedger == 1L;
    }

    /** {@link #resolve(long, String, String)} for a message that names no grantee. */
    public boolean resolve(long activityId, String couponSn) {
        return resolve(activityId, couponSn, null);
    }

    /**
     * Settles client request {@code requestId} of {@code userId} that admission refused locally with
     * {@code refusal} (SOLD_OUT, ENDED or NOT_ACTIVE), without grabbing (lua/settle.lua): the
     * refusal becomes the request's outcome unless one is recorded already, and the recorded outcome
     * is returned - REPEATED with the original coupon_sn, or a refusal ({@link GrabResult#recorded}
     * when it was there before). NOT_IN_REDIS when the sale is not in Redis (nothing recorded).
     */
    public CompletionStage<GrabResult> settle(Segment segment, long userId, String requestId, GrabCode refusal) {
        if (refusal != GrabCode.SOLD_OUT && refusal != GrabCode.ENDED && refusal != GrabCode.NOT_ACTIVE) {
            throw new IllegalArgumentException("only a sold-out, ended or paused refusal is settled, not " + refusal);
        }
        return this.<List<Object>>acknowledged(segment, settle, Registry.saleKeys(segment), Long.toString(userId), requestId,
                        Integer.toString(refusal.code()))
                .thenApply(GrabResult::fromScriptReply);
    }

    /**
     * Runs {@code t} on the sale's status in Redis (lua/transition.lua): changed only when the status
     * found there is one {@code t} may leave from. Nothing else of the sale changes. A change already
     * applied under {@code op} (a replay) answers changed with the status it left, and changes nothing.
     */
    public TransitionResult transition(long activityId, SaleTransition t, OperationId op) {
        return transition(Segment.only(activityId), t, op);
    }

    /** {@link #transition(long, SaleTransition, OperationId)} on one segment of a sale. */
    public TransitionResult transition(Segment segment, SaleTransition t, OperationId op) {
        String[] args = new String[t.from().size() + 2];
        args[0] = op.value();
        args[1] = String.valueOf(t.target().code());
        int i = 2;
        for (ActivityStatus s : t.from()) {
            args[i++] = String.valueOf(s.code());
        }
        return TransitionResult.fromScriptReply(await(this.<List<Object>>acknowledged(segment, transition,
                new String[] {Registry.saleKey(segment), Registry.opsKey(segment)}, args)));
    }

    /**
     * Adds {@code amount} to the sale's total and stock (lua/restock.lua) if it is ACTIVE or PAUSED
     * and Redis still holds {@code expectedTotal}; otherwise changes nothing and says why. A restock
     * already applied under {@code op} (a replay) answers RESTOCKED with the figures right after it.
     */
    public RestockResult restock(long activityId, int amount, long expectedTotal, OperationId op) {
        return restock(Segment.only(activityId), amount, expectedTotal, op);
    }

    /** {@link #restock(long, int, long, OperationId)} on one segment of a sale. */
    public RestockResult restock(Segment segment, int amount, long expectedTotal, OperationId op) {
        return RestockResult.fromScriptReply(await(this.<List<Object>>acknowledged(segment, restock,
                new String[] {Registry.saleKey(segment), Registry.opsKey(segment)},
                String.valueOf(amount), String.valueOf(expectedTotal), op.value())));
    }

    /**
     * The sale as Redis holds it, read in one script so stock and ledger size belong to the same
     * instant; {@code exists} is false before it was started.
     */
    public SaleSnapshot snapshot(long activityId) {
        return snapshot(Segment.only(activityId));
    }

    /** {@link #snapshot(long)} of one segment of a sale. */
    public SaleSnapshot snapshot(Segment segment) {
        List<Object> reply = await(snapshot.<List<Object>>call(redis,
                new String[] {Registry.saleKey(segment), Registry.ledgerKey(segment)}));
        long ledger = (Long) reply.get(3);
        if (reply.get(0) == null) {
            return new SaleSnapshot(false, null, 0, 0, ledger);
        }
        return new SaleSnapshot(true,
                ActivityStatus.ofCode(Integer.parseInt((String) reply.get(0))),
                Long.parseLong((String) reply.get(1)),
                Long.parseLong((String) reply.get(2)),
                ledger);
    }

    /** Whether {@code couponSn} is in the sale's ledger; a plain read that never voids anything. */
    public boolean inLedger(Segment segment, String couponSn) {
        return await(redis.hexists(Registry.ledgerKey(segment), couponSn));
    }

    /**
     * Stock, ledger and per-user counts read in one script, so they agree with each other even while
     * grabs run; empty when the sale is not in Redis. Reads whole hashes: O(grants) on the Redis thread.
     */
    public Optional<SaleState> state(long activityId) {
        return state(Segment.only(activityId));
    }

    /** {@link #state(long)} of one segment of a sale, with its transfers. */
    public Optional<SaleState> state(Segment segment) {
        String[] sale = Registry.saleKeys(segment);
        String[] keys = Arrays.copyOf(sale, sale.length + 1);
        keys[sale.length] = Registry.transfersKey(segment);
        List<Object> reply = await(state.<List<Object>>call(redis, keys));
        if (reply.isEmpty()) {
            return Optional.empty();
        }
        if (reply.size() != 6) {
            throw new IllegalStateException("state script reply must have 6 elements, was " + reply.size());
        }
        return Optional.of(new SaleState(
                ActivityStatus.ofCode(Integer.parseInt((String) reply.get(0))),
                Long.parseLong((String) reply.get(1)),
                Long.parseLong((String) reply.get(2)),
                pairs(reply.get(3)),
                pairs(reply.get(4)),
                pairs(reply.get(5))));
    }

    private static Map<String, String> pairs(Object flat) {
        List<?> list = (List<?>) flat;
        Map<String, String> out = new HashMap<>(list.size());
        for (int i = 0; i + 1 < list.size(); i += 2) {
            out.put((String) list.get(i), (String) list.get(i + 1));
        }
        return out;
    }

    /**
     * Deletes every key of an ENDED sale (lua/cleanup.lua, {@link Registry#cleanupKeys}), provided its
     * ledger size and stock are still what the caller's reconciliation saw; nothing is deleted
     * otherwise. A removal leaves a tombstone naming {@code op} for {@link Registry#CLEANED_TTL}: a
     * replay of the same cleanup answers REMOVED with the count deleted then.
     */
    public CleanupResult cleanup(long activityId, long expectedLedgerSize, long expectedStock, OperationId op) {
        return cleanup(Segment.only(activityId), expectedLedgerSize, expectedStock, op);
    }

    /** {@link #cleanup(long, long, long, OperationId)} of one segment of a sale (its transfers too). */
    public CleanupResult cleanup(Segment segment, long expectedLedgerSize, long expectedStock, OperationId op) {
        String[] delete = Registry.cleanupKeys(segment);
        String[] keys = Arrays.copyOf(delete, delete.length + 1);
        keys[delete.length] = Registry.cleanedKey(segment);
        long answer = await(this.<Long>acknowledged(segment, cleanup, keys, Long.toString(expectedLedgerSize),
                Long.toString(expectedStock), op.value(), Long.toString(Registry.CLEANED_TTL.toSeconds())));
        return CleanupResult.fromScriptReply(answer);
    }

    // ------------------------------------------------------------------ transfers between segments (SaleSegments)

    /**
     * Lends up to {@code wanted} of {@code donor}'s stock to segment {@code receiverIndex} under transfer
     * {@code transferId} (lua/debit.lua); returns the amount lent (0: none to lend, or the donor may not
     * lend now), -1 when the donor is not in Redis. Durable before it returns.
     */
    public long debit(Segment donor, String transferId, int receiverIndex, long wanted) {
        return await(this.<Long>acknowledged(donor, debit,
                new String[] {Registry.saleKey(donor), Registry.transfersKey(donor)}, transferId,
                Integer.toString(receiverIndex), Long.toString(wanted)));
    }

    /**
     * Adds transfer {@code transferId}'s {@code amount}, which segment {@code donorIndex} recorded as lent,
     * to {@code receiver}'s stock, once per id (lua/credit.lua), provided the receiver's epoch is still
     * {@code epoch} (read before the debit was made or read): 1 applied now, 0 applied before, -1 the
     * receiver is not in Redis, -2 a fence or heal came between. Durable before it returns.
     */
    public long credit(Segment receiver, String transferId, int donorIndex, long amount, String epoch) {
        return await(this.<Long>acknowledged(receiver, credit,
                new String[] {Registry.saleKey(receiver), Registry.transfersKey(receiver)}, transferId,
                Integer.toString(donorIndex), Long.toString(amount), epoch));
    }

    /**
     * Gives a fenced donor back the record of a loan its receiver holds (lua/restore_lent.lua): the amount
     * the donor records under the id afterwards (this one, or an earlier record's), -1 the donor is not
     * fenced (nothing done).
     */
    public long restoreLent(Segment donor, String transferId, int receiverIndex, long amount) {
        return await(restoreLent.<Long>call(redis,
                new String[] {Registry.saleKey(donor), Registry.transfersKey(donor)}, transferId,
                Integer.toString(receiverIndex), Long.toString(amount)));
    }

    /**
     * Takes {@code segment}'s borrow lock ({@link Registry#borrowLockKey}) for {@code token} for at most
     * {@code ttlMs}; false when another borrower holds it.
     */
    public boolean lockBorrow(Segment segment, String token, long ttlMs) {
        return "OK".equals(await(redis.set(Registry.borrowLockKey(segment), token,
                io.lettuce.core.SetArgs.Builder.nx().px(ttlMs))));
    }

    /** Releases {@code segment}'s borrow lock if {@code token} still holds it (lua/unlock.lua). */
    public void unlockBorrow(Segment segment, String token) {
        await(unlock.<Long>call(redis, new String[] {Registry.borrowLockKey(segment)}, token));
    }

    /** Waits, polling every 2 ms up to the store's timeout, until nobody holds {@code segment}'s borrow lock. */
    public void awaitBorrowUnlocked(Segment segment) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (await(redis.exists(Registry.borrowLockKey(segment))) > 0) {
            if (System.nanoTime() > deadline) {
                throw new SaleStoreException("the borrow lock of " + segment + " was held over " + timeout.toMillis()
                        + " ms", null);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SaleStoreException("interrupted waiting for the borrow lock of " + segment, e);
            }
        }
    }

    /** The segment's transfer records: id -> "out|in:peer:amount:ms" ({@link Registry#transfersKey}). */
    public Map<String, String> transfers(Segment segment) {
        return await(redis.hgetall(Registry.transfersKey(segment)));
    }

    /** What a borrower reads of a segment: stock, epoch, whether it is fenced; {@code exists} false when gone. */
    public record SegmentView(boolean exists, long stock, String epoch, boolean fenced, ActivityStatus status,
            long statusVersion) {}

    /** {@link SegmentView} of every segment of a sale, asked of all at once. */
    public List<SegmentView> views(List<Segment> segments) {
        List<CompletableFuture<List<io.lettuce.core.KeyValue<String, String>>>> asks =
                new java.util.ArrayList<>(segments.size());
        for (Segment s : segments) {
            asks.add(redis.hmget(Registry.saleKey(s), "stock", "epoch", "fenced", "status", "status_version")
                    .toCompletableFuture());
        }
        List<SegmentView> out = new java.util.ArrayList<>(segments.size());
        for (CompletableFuture<List<io.lettuce.core.KeyValue<String, String>>> ask : asks) {
            List<io.lettuce.core.KeyValue<String, String>> v = await(ask);
            if (!v.get(3).hasValue()) {
                out.add(new SegmentView(false, 0, "0", false, null, 0));
                continue;
            }
            out.add(new SegmentView(true, Long.parseLong(v.get(0).getValueOrElse("0")), v.get(1).getValueOrElse("0"),
                    v.get(2).hasValue(), ActivityStatus.ofCode(Integer.parseInt(v.get(3).getValue())),
                    Long.parseLong(v.get(4).getValueOrElse("0"))));
        }
        return out;
    }

    /**
     * Raises the first segment's status_version to at least {@code atLeast} (lua/lead.lua) and answers its
     * status and version after; null when it is not in Redis. Durable before it returns.
     */
    public SegmentView lead(Segment first, long atLeast) {
        List<?> r = ScriptReplies.integers(await(this.<List<Object>>acknowledged(first, lead,
                new String[] {Registry.saleKey(first)}, Long.toString(atLeast))), 2, "lead");
        long status = (Long) r.get(0);
        return status == 0 ? null : new SegmentView(true, 0, "", false, ActivityStatus.ofCode((int) status),
                (Long) r.get(1));
    }

    /**
     * Makes {@code follower} take the first segment's {@code status} if it has seen fewer than
     * {@code statusVersion} status changes (lua/follow.lua; ENDED stays). Returns its status after, null
     * when it is not in Redis. Durable before it returns.
     */
    public ActivityStatus follow(Segment follower, ActivityStatus status, long statusVersion) {
        long r = await(this.<Long>acknowledged(follower, follow, new String[] {Registry.saleKey(follower)},
                Integer.toString(status.code()), Long.toString(statusVersion)));
        return r == 0 ? null : ActivityStatus.ofCode((int) r);
    }

    // ------------------------------------------------------------------ fence and heal (core/reconcile/SaleFence)

    /**
     * The run_id of the Redis process that serves sale {@code activityId} (in a cluster, the master of
     * its slot): a new one after every restart or failover.
     */
    public String runId(Segment segment) {
        String info = access.masterOf(Registry.saleKey(segment)).sync().info("server");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                return line.substring("run_id:".length()).trim();
            }
        }
        throw new SaleStoreException("INFO server did not report a run_id", null);
    }

    /**
     * What the fence checker compares, read in one round trip: whether the sale hash exists, whether
     * it is fenced, and the ledger size.
     */
    public FenceView fenceView(Segment segment) {
        List<Object> reply = await(snapshot.<List<Object>>call(redis,
                new String[] {Registry.saleKey(segment), Registry.ledgerKey(segment)}));
        String fenced = await(redis.hget(Registry.saleKey(segment), "fenced"));
        return new FenceView(reply.get(0) != null, fenced, (Long) reply.get(3));
    }

    /**
     * Fences the sale (lua/fence.lua): every grab answers FENCED until {@link #settleHeal}. A sale hash that is
     * gone is re-created from {@code a} with stock 0, {@code status} and total {@code recreatedTotal}; true
     * when it had to be re-created.
     */
    public boolean fence(Segment segment, Activity a, ActivityStatus status, String reason, long recreatedTotal) {
        Long r = await(fence.call(redis, new String[] {Registry.saleKey(segment)}, reason,
                String.valueOf(status.code()),
                String.valueOf(a.startTime().toEpochMilli()),
                String.valueOf(a.endTime().toEpochMilli()),
                String.valueOf(a.perUserLimit()),
                String.valueOf(recreatedTotal),
                identity(segment, a),
                segment.split() ? "1" : ""));
        return r == 2L;
    }

    /**
     * Re-applies rows of a fenced sale (lua/heal.lua); returns how many were re-added to the ledger, or -1
     * when the sale is not fenced (nothing done).
     */
    public long heal(Segment segment, List<io.flashcoupon.core.wallet.GrantRecord> rows) {
        String[] args = new String[rows.size() * 5];
        int i = 0;
        for (io.flashcoupon.core.wallet.GrantRecord r : rows) {
            args[i++] = r.couponSn();
            args[i++] = Long.toString(r.userId());
            args[i++] = Integer.toString(r.seq());
            args[i++] = Long.toString(r.grantedAtMs());
            args[i++] = r.requestId() == null ? "" : r.requestId();
        }
        List<?> reply = ScriptReplies.integers(await(heal.<List<Object>>call(redis, Registry.saleKeys(segment), args)),
                2, "heal");
        return (Long) reply.get(0);
    }

    /**
     * Ends a heal (lua/heal_settle.lua): stock from the ledger size, an oversold ACTIVE sale paused, the fence
     * lifted and a lease of {@code leaseMs} granted - only while Redis is still process {@code runId}.
     */
    public Settled settleHeal(Segment segment, String runId, long leaseMs) {
        List<?> r = ScriptReplies.integers(await(healSettle.<List<Object>>call(redis,
                new String[] {Registry.saleKey(segment), Registry.ledgerKey(segment), Registry.transfersKey(segment)},
                runId,
                Long.toString(leaseMs))), 5, "settle");
        if ((Long) r.get(0) == 0L) {
            return null;
        }
        return new Settled((Long) r.get(1), (Long) r.get(2), (Long) r.get(3),
                ActivityStatus.ofCode(((Long) r.get(4)).intValue()));
    }

    /**
     * Renews the sale's lease (lua/lease.lua) while Redis is still process {@code runId} and the sale is
     * not fenced; false when nothing was renewed.
     */
    public boolean renewLease(Segment segment, String runId, long leaseMs) {
        List<?> r = ScriptReplies.integers(await(lease.<List<Object>>call(redis,
                new String[] {Registry.saleKey(segment), Registry.ledgerKey(segment)}, runId,
                Long.toString(leaseMs))), 2, "lease");
        return (Long) r.get(0) == 1L;
    }

    /** The sale as the fence checker sees it; {@code fenced} is the reason when fenced, else null. */
    public record FenceView(boolean exists, String fenced, long ledgerSize) {}

    /** What heal_settle.lua left: ledger size, stock, how many grants exceed the total, the status. */
    public record Settled(long ledgerSize, long stock, long oversoldBy, ActivityStatus status) {}

    private <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SaleStoreException("interrupted waiting for Redis", e);
        } catch (ExecutionException e) {
            throw new SaleStoreException("Redis call failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new SaleStoreException("Redis did not answer within " + timeout.toMillis() + " ms", e);
        }
    }

    private <T> T await(io.lettuce.core.RedisFuture<T> future) {
        return await((CompletionStage<T>) future);
    }

    /** Live figures of one sale in Redis. */
    public record SaleSnapshot(boolean exists, ActivityStatus status, long remaining, long total, long ledgerSize) {}

    /** One sale's Redis state at one instant: ledger coupon_sn -> "userId:seq:grantedAtMs", users userId -> count. */
    public record SaleState(ActivityStatus status, long total, long remaining, Map<String, String> ledger,
            Map<String, String> users, Map<String, String> transfers) {}

    /**
     * The tombstone a cleanup left (see {@link #cleanup}), while it lives: the operation that removed the
     * sale and how many keys it deleted. Empty when no cleanup removed the sale in the last
     * {@link Registry#CLEANED_TTL}.
     */
    public Optional<Tombstone> tombstone(Segment segment) {
        String mark = await(redis.get(Registry.cleanedKey(segment)));
        return mark == null ? Optional.empty() : Optional.of(Tombstone.parse(mark));
    }

    /** What cleanup did: REMOVED (keysDeleted of the sale's keys existed), or why it removed nothing. */
    public record CleanupResult(Outcome outcome, long keysDeleted) {
        public enum Outcome { REMOVED, NOT_IN_REDIS, NOT_ENDED, CHANGED }

        /** Maps the script's answer: a count of keys deleted (now, or by the replayed call), or a refusal code. */
        static CleanupResult fromScriptReply(long answer) {
            if (answer > 0) {
                return new CleanupResult(Outcome.REMOVED, answer);
            }
            Outcome outcome = switch ((int) answer) {
                case 0 -> Outcome.NOT_IN_REDIS;
                case -1 -> Outcome.NOT_ENDED;
                case -2 -> Outcome.CHANGED;
                default -> throw new IllegalStateException("cleanup script returned unknown code " + answer);
            };
            return new CleanupResult(outcome, 0);
        }
    }

    /** A cleanup's tombstone "keysDeleted:operationId". */
    public record Tombstone(OperationId operation, long keysDeleted) {
        static Tombstone parse(String mark) {
            int colon = mark.indexOf(':');
            if (colon <= 0) {
                throw new IllegalStateException("cleanup tombstone must be keysDeleted:operationId, was " + mark);
            }
            try {
                return new Tombstone(new OperationId(mark.substring(colon + 1)), Long.parseLong(mark.substring(0, colon)));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cleanup tombstone must be keysDeleted:operationId, was " + mark, e);
            }
        }
    }
}
