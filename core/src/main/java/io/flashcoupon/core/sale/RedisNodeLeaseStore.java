package io.flashcoupon.core.sale;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.redis.LuaScript;
import io.flashcoupon.core.redis.RedisAccess;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Node-id leases in the sale Redis: keys {@link Registry#nodeLeaseKey} and
 * {@link Registry#nodeHighWaterKey} (one hash slot per id), changed only by lua/node_claim.lua,
 * lua/node_renew.lua and lua/node_release.lua. Every call is blocking, bounded by the Redis timeout;
 * a failure is a {@link SaleStoreException}.
 */
public final class RedisNodeLeaseStore implements NodeLeaseStore {
    private final RedisClusterAsyncCommands<String, String> redis;
    private final LuaScript claim;
    private final LuaScript renew;
    private final LuaScript release;
    private final Duration timeout;

    public RedisNodeLeaseStore(StatefulRedisConnection<String, String> connection, Duration timeout) {
        this(RedisAccess.of(connection), timeout);
    }

    public RedisNodeLeaseStore(RedisAccess access, Duration timeout) {
        this.redis = access.async();
        this.claim = new LuaScript("lua/node_claim.lua", ScriptOutputType.MULTI, access);
        this.renew = new LuaScript("lua/node_renew.lua", ScriptOutputType.MULTI, access);
        this.release = new LuaScript("lua/node_release.lua", ScriptOutputType.INTEGER, access);
        this.timeout = timeout;
    }

    @Override
    public Claim claim(int nodeId, String owner, long leaseMs, long nowMs, long aheadMs) {
        List<Object> r = await(claim.<List<Object>>call(redis, keys(nodeId), owner, Long.toString(leaseMs),
                Long.toString(nowMs), Long.toString(aheadMs)));
        return (Long) r.get(0) == 1L
                ? Claim.granted((Long) r.get(1), (Long) r.get(2))
                : Claim.heldBy((String) r.get(1), (Long) r.get(2));
    }

    @Override
    public Renewal renew(int nodeId, String owner, long leaseMs, long ceilingMs) {
        List<Object> r = await(renew.<List<Object>>call(redis, keys(nodeId), owner, Long.toString(leaseMs),
                Long.toString(ceilingMs)));
        if ((Long) r.get(0) == 1L) {
            return Renewal.renewed((Long) r.get(1));
        }
        String holder = (String) r.get(1);
        return Renewal.lost(holder.isEmpty() ? null : holder);
    }

    @Override
    public boolean release(int nodeId, String owner, long lastIssuedMs) {
        Long released = await(release.<Long>call(redis, keys(nodeId), owner, Long.toString(lastIssuedMs)));
        return released == 1L;
    }

    private static String[] keys(int nodeId) {
        return new String[] {Registry.nodeLeaseKey(nodeId), Registry.nodeHighWaterKey(nodeId)};
    }

    private <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SaleStoreException("interrupted while waiting for Redis", e);
        } catch (ExecutionException e) {
            throw new SaleStoreException("Redis call failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new SaleStoreException("Redis did not answer within " + timeout.toMillis() + " ms", e);
        }
    }
}
