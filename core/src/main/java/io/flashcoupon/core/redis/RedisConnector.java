package io.flashcoupon.core.redis;

import io.flashcoupon.core.config.ServiceConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The process's one Redis client and its one long-lived, shared connection (no pool), with the way
 * its writes are made durable before anything acknowledges them ({@link RedisDurability}).
 */
public final class RedisConnector implements AutoCloseable {
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisDurability durability;

    /**
     * The service's connection: connects, then chooses and proves the durability mode
     * (RedisDurability.start, reported on {@code metrics}); closes again and throws ConfigException
     * when Redis cannot keep acknowledged writes as redis.durability asks.
     */
    public RedisConnector(ServiceConfig.Redis config, MeterRegistry metrics) {
        this.resources = DefaultClientResources.builder().commandLatencyRecorder(latencyRecorder(metrics)).build();
        this.client = RedisClient.create(resources, uri(config));
        this.connection = client.connect();
        try {
            this.durability = RedisDurability.start(connection, client::connect, config, metrics);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A connection for tools and tests, on a Redis they know runs appendfsync always (nothing checked). */
    public RedisConnector(ServiceConfig.Redis config) {
        this.resources = DefaultClientResources.create();
        this.client = RedisClient.create(resources, uri(config));
        this.connection = client.connect();
        this.durability = RedisDurability.serverFsyncs();
    }

    /**
     * Lettuce's command latency on {@code metrics}: lettuce_command_completion_seconds (command sent
     * to reply complete) and lettuce_command_firstresponse_seconds, by command and remote address, as
     * count, sum, max and the median and 99th percentile of this process (no histogram buckets: about
     * twenty command types times two meters would add a thousand series).
     */
    static MicrometerCommandLatencyRecorder latencyRecorder(MeterRegistry metrics) {
        return new MicrometerCommandLatencyRecorder(metrics, MicrometerOptions.builder().enable().histogram(false)
                .localDistinction(false).targetPercentiles(new double[] {0.5, 0.99}).build());
    }

    private static RedisURI uri(ServiceConfig.Redis config) {
        RedisURI uri = RedisURI.create(config.uri());
        uri.setTimeout(Duration.ofMillis(config.timeoutMs()));
        return uri;
    }

    public StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    /** How this connection's acknowledged writes are made durable. */
    public RedisDurability durability() {
        return durability;
    }

    @Override
    public void close() {
        if (durability != null) {
            durability.close();
        }
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
