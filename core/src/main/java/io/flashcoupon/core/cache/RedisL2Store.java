package io.flashcoupon.core.cache;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/** {@link L2Store} on the process's one shared Lettuce connection (GET, SET PX, DEL of one key). */
public final class RedisL2Store implements L2Store {
    private final RedisCommands<String, String> redis;

    public RedisL2Store(StatefulRedisConnection<String, String> connection) {
        this.redis = connection.sync();
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
