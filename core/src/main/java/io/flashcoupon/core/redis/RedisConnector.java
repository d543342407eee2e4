package io.flashcoupon.core.redis;

import io.flashcoupon.core.config.ServiceConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
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
    private static final String COMPLETION = "lettuce.command.completion";
    private static final String FIRST_RESPONSE = "lettuce.command.firstresponse";
    /** 100 us, 250 us, 500 us, 1, 2.5, 5, 10, 25, 50, 100, 250 ms, 1 s. */
    private static final double[] LATENCY_BUCKETS_NANOS = {100e3, 250e3, 500e3, 1e6, 2.5e6, 5e6, 10e6, 25e6, 50e6,
        100e6, 250e6, 1e9};
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
     * Lettuce's command latency on {@code metrics}: lettuce_command_completion_seconds (command sent to
     * reply complete) by command type and remote address; on a registry {@link #configureMeters} shaped,
     * as a histogram with 12 fixed buckets from 100 us to 1 s (Lettuce's own percentile histogram would
     * add ~60 buckets per command type), without the time to the reply's first byte
     * (lettuce.command.firstresponse), which adds as many series and says little more for small replies.
     */
    static MicrometerCommandLatencyRecorder latencyRecorder(MeterRegistry metrics) {
        return new MicrometerCommandLatencyRecorder(metrics, MicrometerOptions.builder().enable().histogram(false)
                .localDistinction(false).build());
    }

    /**
     * The meter filters that shape Lettuce's meters as {@link #latencyRecorder} describes; configured on
     * a registry before any meter is registered (Micrometer warns otherwise), where it is created.
     */
    public static void configureMeters(MeterRegistry metrics) {
        metrics.config().meterFilter(MeterFilter.deny(id -> id.getName().equals(FIRST_RESPONSE)))
                .meterFilter(new MeterFilter() {
                    @Override
                    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                        if (!id.getName().equals(COMPLETION)) {
                            return config;
                        }
                        return DistributionStatisticConfig.builder().serviceLevelObjectives(LATENCY_BUCKETS_NANOS)
                                .build().merge(config);
                    }
                });
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
