package io.flashcoupon.core.cache;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * {@link L2Store} on a shared Lettuce connection (GET, SET PX, DEL of one key): the sale Redis's, or
 * the connection of cache.redis-uri's own Redis.
 */
public final class RedisL2Store implements L2Store {
    private final RedisClusterCommands<String, String> redis;

    public RedisL2Store(RedisClusterCommands<String, String> redis) {
        this.redis = redis;
    }

    @Override
    public String get(String key) {
        return redis.get(key);
    }

    @Override
    public void set(String key, String value, long ttlMs) {
        redis.set(key, value, SetArgs.Builder.px(ttlMs));
    }

    @Override
    public void delete(String key) {
        redis.del(key);
    }
}
