package io.flashcoupon.core.redis;

import io.flashcoupon.core.config.ServiceConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/** The process's one Redis client and its one long-lived, shared connection (no pool). */
public final class RedisConnector implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    public RedisConnector(ServiceConfig.Redis config) {
        RedisURI uri = RedisURI.create(config.uri());
        uri.setTimeout(Duration.ofMillis(config.timeoutMs()));
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
    }

    public StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
