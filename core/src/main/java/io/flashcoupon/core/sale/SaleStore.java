package io.flashcoupon.core.sale;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.redis.LuaScript;
import io.flashcoupon.core.redis.RedisDurability;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
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
 * changes and restocks are scripts on the sale hash too, so each is atomic with every grab.
 * Nothing it answers is acknowledged before Redis made it durable: every answer that promises
 * something (a grant, a retry's earlier grant, a check-back's verdict, a start, status change,
 * restock or cleanup) passes through {@link RedisDurability} first, and a write it cannot confirm
 * fails the call (outcome unknown, never GRANTED).
 */
public final class SaleStore {
    private final RedisAsyncCommands<String, String> redis;
    private final LuaScript grab;
    private final LuaScript resolve;
    private final LuaScript start;
    private final LuaScript repeat;
    private final LuaScript transition;
    private final LuaScript restock;
    private final LuaScript state;
    private final LuaScript cleanup;
    private final LuaScript snapshot;
    private final Duration timeout;
    private final RedisDurability durability;

    /** For tools and tests on a Redis that runs appendfsync always ({@link RedisDurability#serverFsyncs}). */
    public SaleStore(StatefulRedisConnection<String, String> connection, Duration timeout) {
        this(connection, timeout, RedisDurability.serverFsyncs());
    }

    /** The service's store: {@code durability} as chosen at start ({@link RedisDurability#start}). */
    public SaleStore(StatefulRedisConnection<String, String> connection, Duration timeout,
            RedisDurability durability) {
        this.redis = connection.async();
        this.durability = durability;
        this.grab = new LuaScript("lua/grab.lua", ScriptOutputType.MULTI, connection);
        this.resolve = new LuaScript("lua/resolve.lua", ScriptOutputType.INTEGER, connection);
        this.start = new LuaScript("lua/start.lua", ScriptOutputType.INTEGER, connection);
        this.repeat = new LuaScript("lua/repeat.lua", ScriptOutputType.MULTI, connection);
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
        Long created = await(start.<Long>call(redis, new String[] {Registry.saleKey(a.id())},
                String.valueOf(ActivityStatus.ACTIVE.code()),
                String.valueOf(a.startTime().toEpochMilli()),
                String.valueOf(a.endTime().toEpochMilli()),
                String.valueOf(a.perUserLimit()),
                String.valueOf(a.totalCount()),
                identity(a)).thenCompose(this::durable));
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
     * {@code requestId} (nullable) makes a retry of a granted request answer REPEATED. GRANTED and
     * REPEATED complete only once durable; when that cannot be confirmed the stage fails (outcome unknown).
     */
    public CompletionStage<GrabResult> grab(long activityId, long userId, String couponSn, long grantedAtMs, int seq,
            String requestId) {
        return grab.<List<Object>>call(redis, Registry.saleKeys(activityId),
                        Long.toString(userId), couponSn, Long.toString(grantedAtMs), Integer.toString(seq),
                        requestId == null ? "" : requestId)
                .thenApply(GrabResult::fromScriptReply)
                .thenCompose(this::durableGrab);
    }

    /** A grant, or a retry's earlier grant, is answered only once durable; a refusal promises nothing. */
    private CompletionStage<GrabResult> durableGrab(GrabResult r) {
        return r.code() == GrabCode.GRANTED || r.code() == GrabCode.REPEATED
                ? durability.confirm(r)
                : CompletableFuture.completedFuture(r);
    }

    /** {@code value} once everything Redis had written when it answered is durable (see RedisDurability). */
    private <T> CompletionStage<T> durable(T value) {
        return durability.confirm(value);
    }

    /** Blocking form of {@link #grab}. */
    public GrabResult grabSync(long activityId, long userId, String couponSn, long grantedAtMs, int seq,
            String requestId) {
        return await(grab(activityId, userId, couponSn, grantedAtMs, seq, requestId));
    }

    /**
     * The transaction checker's question: is {@code couponSn} in the ledger? When it is not, it is
     * voided atomically so the grab can never land later. Throws on any Redis failure (the caller
     * answers UNKNOWN then, never ROLLBACK).
     */
    public boolean resolve(long activityId, String couponSn) {
        Long inLedger = await(resolve.<Long>call(redis, Registry.saleKeys(activityId), couponSn)
                .thenCompose(this::durable));
        return inLedger == 1L;
    }

    /**
     * The grant an earlier attempt of this client request received, without grabbing: lets a sold-out
     * instance answer retries without the broker. Empty when the request was never granted.
     */
    public CompletionStage<java.util.Optional<GrabResult>> previousGrant(long activityId, long userId,
            String requestId) {
        return repeat.<List<Object>>call(redis, Registry.saleKeys(activityId), Long.toString(userId), requestId)
                .thenApply(reply -> reply.isEmpty()
                        ? java.util.Optional.<GrabResult>empty()
                        : java.util.Optional.of(new GrabResult(GrabCode.REPEATED, 0,
                                Integer.parseInt((String) reply.get(1)), (String) reply.get(0))))
                .thenCompose(found -> found.isEmpty() ? CompletableFuture.completedFuture(found) : durable(found));
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
                await(transition.<List<Object>>call(redis, new String[] {Registry.saleKey(activityId)}, args)
                        .thenCompose(this::durable)));
    }

    /**
     * Adds {@code amount} to the sale's total and stock (lua/restock.lua) if it is ACTIVE or PAUSED
     * and Redis still holds {@code expectedTotal}; otherwise changes nothing and says why.
     */
    public RestockResult restock(long activityId, int amount, long expectedTotal) {
        return RestockResult.fromScriptReply(await(restock.<List<Object>>call(redis,
                new String[] {Registry.saleKey(activityId)}, String.valueOf(amount), String.valueOf(expectedTotal))
                .thenCompose(this::durable)));
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
                Long.toString(expectedLedgerSize), Long.toString(expectedStock)).thenCompose(this::durable));
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
