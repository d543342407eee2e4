package io.flashcoupon.core.redis;

import io.flashcoupon.core.config.ServiceConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The process's one Redis client and its one long-lived, shared connection (no pool), with the way
 * its writes are made durable before anything acknowledges them ({@link RedisDurability}). With
 * redis.cluster-nodes it is Lettuce's cluster client instead: topology refreshed every
 * {@value #TOPOLOGY_REFRESH_S} s and on MOVED/ASK redirects and reconnects (at most once a second), so
 * a promoted replica is found within seconds; commands routed to the master of their key's slot, and
 * {@link #access} the same for both.
 */
public final class RedisConnector implements AutoCloseable {
    private static final String COMPLETION = "lettuce.command.completion";
    private static final String FIRST_RESPONSE = "lettuce.command.firstresponse";
    /** 100 us, 250 us, 500 us, 1, 2.5, 5, 10, 25, 50, 100, 250 ms, 1 s. */
    private static final double[] LATENCY_BUCKETS_NANOS = {100e3, 250e3, 500e3, 1e6, 2.5e6, 5e6, 10e6, 25e6, 50e6,
        100e6, 250e6, 1e9};
    static final int TOPOLOGY_REFRESH_S = 2;
    private final ClientResources resources;
    /** The single server's client, or the one that opens the cluster masters' own connections (waits). */
    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    /** The single server's shared connection; null on a cluster. */
    private final StatefulRedisConnection<String, String> connection;
    private final StatefulRedisClusterConnection<String, String> clusterConnection;
    private final RedisAccess access;
    private final RedisDurability durability;
    /** The single server's address; null on a cluster. */
    private final RedisURI singleUri;

    /**
     * The service's connection: connects, then chooses and proves the durability mode
     * (RedisDurability.start, reported on {@code metrics}); closes again and throws ConfigException
     * when Redis cannot keep acknowledged writes as redis.durability asks.
     */
    public RedisConnector(ServiceConfig.Redis config, MeterRegistry metrics) {
        this(config, DefaultClientResources.builder().commandLatencyRecorder(latencyRecorder(metrics)).build(),
                metrics);
    }

    /** A connection for tools and tests, on a Redis they know runs appendfsync always (nothing checked). */
    public RedisConnector(ServiceConfig.Redis config) {
        this(config, DefaultClientResources.create(), null);
    }

    private RedisConnector(ServiceConfig.Redis config, ClientResources resources, MeterRegistry metrics) {
        this.resources = resources;
        this.singleUri = config.cluster() ? null : uri(config);
        if (config.cluster()) {
            this.client = RedisClient.create(resources);
            this.clusterClient = RedisClusterClient.create(resources, clusterUris(config));
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(TOPOLOGY_REFRESH_S))
                            .enableAllAdaptiveRefreshTriggers()
                            // Lettuce's default lets a redirect or reconnect refresh at most every 30 s
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .build())
                    .build());
            this.connection = null;
            this.clusterConnection = clusterClient.connect();
            this.access = RedisAccess.of(clusterConnection);
        } else {
            this.client = RedisClient.create(resources, singleUri);
            this.clusterClient = null;
            this.connection = client.connect();
            this.clusterConnection = null;
            this.access = RedisAccess.of(connection);
        }
        if (metrics == null) {
            this.durability = RedisDurability.serverFsyncs();
            return;
        }
        try {
            this.durability = RedisDurability.start(access, this::openTo, config, metrics);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A new connection of its own to {@code master} (the single server, or a cluster master), opened
     * without blocking: the caller may be on a Redis I/O thread.
     */
    private CompletionStage<StatefulRedisConnection<String, String>> openTo(RedisAccess.Node master) {
        RedisURI target = clusterClient == null ? singleUri
                : clusterClient.getPartitions().getPartitionByNodeId(master.id()).getUri();
        return client.connectAsync(StringCodec.UTF8, target);
    }

    private static List<RedisURI> clusterUris(ServiceConfig.Redis config) {
        List<RedisURI> uris = new ArrayList<>();
        for (String node : config.clusterNodes()) {
            int colon = node.lastIndexOf(':');
            RedisURI.Builder b = RedisURI.builder().withHost(node.substring(0, colon))
                    .withPort(Integer.parseInt(node.substring(colon + 1)))
                    .withTimeout(Duration.ofMillis(config.timeoutMs()));
            if (config.password() != null && !config.password().isEmpty()) {
                b.withPassword(config.password().toCharArray());
            }
            uris.add(b.build());
        }
        return uris;
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

    /**
     * The single server's shared connection, for tools and tests; a cluster has none (use
     * {@link #access}).
     */
    public StatefulRedisConnection<String, String> connection() {
        if (connection == null) {
            throw new IllegalStateException("redis.cluster-nodes is set: a Redis Cluster has no single connection");
        }
        return connection;
    }

    /** The sale Redis's commands, one server or a cluster. */
    public RedisAccess access() {
        return access;
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
        if (connection != null) {
            connection.close();
        }
        if (clusterConnection != null) {
            clusterConnection.close();
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
