package io.flashcoupon.core.sale;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.redis.LuaScript;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The live state of flash sales in Redis: stock, per-user counts, the ledger of grants and the
 * void set of rolled-back grabs, all on keys of one hash slot per activity and without TTL.
 * Redis is the truth while a sale lives; MySQL rows follow from the ledger. Operators' status
 * changes and restocks are scripts on the sale hash too, so each is atomic with every grab.
 */
public final class SaleStore {
    private final RedisAsyncCommands<String, String> redis;
    private final LuaScript grab;
    private final LuaScript resolve;
    private final LuaScript start;
    private final LuaScript settle;
    private final LuaScript transition;
    private final LuaScript restock;
    private final LuaScript state;
    private final LuaScript cleanup;
    private final LuaScript snapshot;
    private final Duration timeout;

    public SaleStore(StatefulRedisConnection<String, String> connection, Duration timeout) {
        this.redis = connection.async();
        this.grab = new LuaScript("lua/grab.lua", ScriptOutputType.MULTI, connection);
        this.resolve = new LuaScript("lua/resolve.lua", ScriptOutputType.INTEGER, connection);
        this.start = new LuaScript("lua/start.lua", ScriptOutputType.INTEGER, connection);
        this.settle = new LuaScript("lua/settle.lua", ScriptOutputType.MULTI, connection);
        this.transition = new LuaScript("lua/transition.lua", ScriptOutputType.MULTI, connection);
        this.restock = new LuaScript("lua/restock.lua", ScriptOutputType.MULTI, connection);
        this.state = new LuaScript("lua/state.lua", ScriptOutputType.MULTI, connection);
        this.cleanup = new LuaScript("lua/cleanup.lua", ScriptOutputType.INTEGER, connection);
        this.snapshot = new LuaScript("lua/snapshot.lua", ScriptOutputType.MULTI, connection);
        this.timeout = timeout;
    }

    /**
     * Copies the activity into Redis unless this same sale is there already (then it is resumed as
     * it is, never re-seeded); true when this call created it. Throws ConflictException when Redis
     * holds a different sale under the same id (a shared or stale Redis).
     */
    public boolean start(Activity a) {
        Long created = await(start.call(redis, new String[] {Registry.saleKey(a.id())},
                String.valueOf(ActivityStatus.ACTIVE.code()),
                String.valueOf(a.startTime().toEpochMilli()),
                String.valueOf(a.endTime().toEpochMilli()),
                String.valueOf(a.perUserLimit()),
                String.valueOf(a.totalCount()),
                identity(a)));
        if (created == -1L) {
            throw new ConflictException("Redis already holds a different sale under key " + Registry.saleKey(a.id())
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

    /**
     * Runs the grab script (see lua/grab.lua); {@code seq} must be the user's count + 1;
     * {@code requestId} (nullable) makes the request's first definitive outcome stick: a retry of a
     * granted request answers REPEATED, of a refused one the same refusal ({@link GrabResult#recorded}).
     */
    public CompletionStage<GrabResult> grab(long activityId, long userId, String couponSn, long grantedAtMs, int seq,
            String requestId) {
        return grab.<List<Object>>call(redis, Registry.saleKeys(activityId),
                        Long.toString(userId), couponSn, Long.toString(grantedAtMs), Integer.toString(seq),
                        requestId == null ? "" : requestId)
                .thenApply(GrabResult::fromScriptReply);
    }

    /** Blocking form of {@link #grab}. */
    public GrabResult grabSync(long activityId, long userId, String couponSn, long grantedAtMs, int seq,
            String requestId) {
        return await(grab(activityId, userId, couponSn, grantedAtMs, seq, requestId));
    }

    /**
     * The transaction checker's question: is {@code couponSn} in the ledger as the grant of
     * {@code grantee} ("userId:seq"; null or empty: as anyone's)? When it is not there at all, it is
     * voided atomically so the grab can never land later; when it is another grab's (the same
     * coupon_sn made twice), false and nothing is voided. Throws on any Redis failure (the caller
     * answers UNKNOWN then, never ROLLBACK).
     */
    public boolean resolve(long activityId, String couponSn, String grantee) {
        Long inLedger = await(resolve.call(redis, Registry.saleKeys(activityId), couponSn,
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
    public CompletionStage<GrabResult> settle(long activityId, long userId, String requestId, GrabCode refusal) {
        if (refusal != GrabCode.SOLD_OUT && refusal != GrabCode.ENDED && refusal != GrabCode.NOT_ACTIVE) {
            throw new IllegalArgumentException("only a sold-out, ended or paused refusal is settled, not " + refusal);
        }
        return settle.<List<Object>>call(redis, Registry.saleKeys(activityId), Long.toString(userId), requestId,
                        Integer.toString(refusal.code()))
                .thenApply(GrabResult::fromScriptReply);
    }

    /**
     * Runs {@code t} on the sale's status in Redis (lua/transition.lua): changed only when the status
     * found there is one {@code t} may leave from. Nothing else of the sale changes.
     */
    public TransitionResult transition(long activityId, SaleTransition t) {
        String[] args = new String[t.from().size() + 1];
        args[0] = String.valueOf(t.target().code());
        int i = 1;
        for (ActivityStatus s : t.from()) {
            args[i++] = String.valueOf(s.code());
        }
        return TransitionResult.fromScriptReply(
                await(transition.<List<Object>>call(redis, new String[] {Registry.saleKey(activityId)}, args)));
    }

    /**
     * Adds {@code amount} to the sale's total and stock (lua/restock.lua) if it is ACTIVE or PAUSED
     * and Redis still holds {@code expectedTotal}; otherwise changes nothing and says why.
     */
    public RestockResult restock(long activityId, int amount, long expectedTotal) {
        return RestockResult.fromScriptReply(await(restock.<List<Object>>call(redis,
                new String[] {Registry.saleKey(activityId)}, String.valueOf(amount), String.valueOf(expectedTotal))));
    }

    /** How many coupons the user has won in the sale. */
    public int userCount(long activityId, long userId) {
        String v = await(redis.hget(Registry.usersKey(activityId), Long.toString(userId)));
        return v == null ? 0 : Integer.parseInt(v);
    }

    /**
     * The sale as Redis holds it, read in one script so stock and ledger size belong to the same
     * instant; {@code exists} is false before it was started.
     */
    public SaleSnapshot snapshot(long activityId) {
        List<Object> reply = await(snapshot.<List<Object>>call(redis,
                new String[] {Registry.saleKey(activityId), Registry.ledgerKey(activityId)}));
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

    /** The whole ledger: coupon_sn -> "userId:seq:grantedAtMs". */
    public Map<String, String> ledger(long activityId) {
        return await(redis.hgetall(Registry.ledgerKey(activityId)));
    }

    /** Whether {@code couponSn} is in the sale's ledger; a plain read that never voids anything. */
    public boolean inLedger(long activityId, String couponSn) {
        return await(redis.hexists(Registry.ledgerKey(activityId), couponSn));
    }

    /**
     * Stock, ledger and per-user counts read in one script, so they agree with each other even while
     * grabs run; empty when the sale is not in Redis. Reads whole hashes: O(grants) on the Redis thread.
     */
    public Optional<SaleState> state(long activityId) {
        List<Object> reply = await(state.<List<Object>>call(redis, Registry.saleKeys(activityId)));
        if (reply.isEmpty()) {
            return Optional.empty();
        }
        if (reply.size() != 5) {
            throw new IllegalStateException("state script reply must have 5 elements, was " + reply.size());
        }
        return Optional.of(new SaleState(
                ActivityStatus.ofCode(Integer.parseInt((String) reply.get(0))),
                Long.parseLong((String) reply.get(1)),
                Long.parseLong((String) reply.get(2)),
                pairs(reply.get(3)),
                pairs(reply.get(4))));
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
     * Deletes every key of an ENDED sale (lua/cleanup.lua), provided its ledger size and stock are
     * still what the caller's reconciliation saw; nothing is deleted otherwise.
     */
    public CleanupResult cleanup(long activityId, long expectedLedgerSize, long expectedStock) {
        long answer = await(cleanup.<Long>call(redis, Registry.saleKeys(activityId),
                Long.toString(expectedLedgerSize), Long.toString(expectedStock)));
        if (answer > 0) {
            return new CleanupResult(CleanupResult.Outcome.REMOVED, answer);
        }
        CleanupResult.Outcome outcome = switch ((int) answer) {
            case 0 -> CleanupResult.Outcome.NOT_IN_REDIS;
            case -1 -> CleanupResult.Outcome.NOT_ENDED;
            case -2 -> CleanupResult.Outcome.CHANGED;
            default -> throw new IllegalStateException("cleanup script returned unknown code " + answer);
        };
        return new CleanupResult(outcome, 0);
    }

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
            Map<String, String> users) {}

    /** What cleanup did: REMOVED (keysDeleted of the sale's keys existed), or why it removed nothing. */
    public record CleanupResult(Outcome outcome, long keysDeleted) {
        public enum Outcome { REMOVED, NOT_IN_REDIS, NOT_ENDED, CHANGED }
    }
}
