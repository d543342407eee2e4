package io.flashcoupon.core.runtime;

import io.flashcoupon.core.mq.BrokerAcl;
import org.apache.rocketmq.remoting.RPCHook;
import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.cache.CacheCodec;
import io.flashcoupon.core.cache.L2Store;
import io.flashcoupon.core.cache.RedisL2Store;
import io.flashcoupon.core.cache.TieredCache;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.db.Databases;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.template.PublishedTemplatePages;
import io.flashcoupon.core.template.GrantedTerms;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateVersions;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.core.wallet.WalletCache;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;

/**
 * What every part of a service process shares, opened once per process whatever its roles: the
 * configuration, the clock, the one meter registry (served at /metrics), tracing, the broker's name
 * server and this process's RocketMQ client instance name, the one MySQL pool, the one Redis
 * connection with the sale store on it, the repositories, and the template and activity caches
 * (Caffeine L1 -> Redis L2 -> MySQL, kept true by the binlog) with the pages of published templates,
 * the wallet cache (L1, kept true by the binlog of user_coupons), and the granted terms (template
 * versions and sales' pinned versions, immutable, L1). The stage processes
 * ({@code IngressProcess}, {@code TopologyProcess}, {@code AdminProcess}) wire their parts from it.
 */
public record Infrastructure(ServiceConfig config, Clock clock, PrometheusMeterRegistry metrics,
        OpenTelemetry telemetry, String namesrvAddr, String instance, HikariDataSource dataSource,
        RedisConnector redis, SaleStore store, TemplateRepository templates, ActivityRepository activities,
        UserCouponRepository coupons, TieredCache<Template> templateCache, TieredCache<Activity> activityCache,
        PublishedTemplatePages templatePages, WalletCache wallets, GrantedTerms terms) {

    /** Template versions (and sale pins) kept in memory; each entry is a few hundred bytes. */
    public static final int TERMS_CACHE_SIZE = 10_000;
    /** Cold wallets read in one MySQL statement at most (WalletCache). */
    static final int WALLET_BATCH = 32;

    /** The hook that signs broker requests with rocketmq.access-key / secret-key (BrokerAcl); null = none. */
    public RPCHook brokerHook() {
        return BrokerAcl.rpcHook(config.rocketmq());
    }

    /** The instrumentation scope of every span this service records. */
    public static final String INSTRUMENTATION = "io.flashcoupon";
    /** How long start-up waits for the broker: topic routes, a consumer's queues, the warm-up's sends. */
    public static final Duration BROKER_WAIT = Duration.ofSeconds(60);

    /** The tracer of this process's spans (a no-op one while tracing is off). */
    public Tracer tracer() {
        return telemetry.getTracer(INSTRUMENTATION);
    }

    /** Whether tracing is on: off, nothing is added to a call path (no interceptor, no wrapped executor). */
    public boolean tracing() {
        return telemetry != OpenTelemetry.noop();
    }

    /** This process's RocketMQ client instance name: server name, node id, pid (a suffix per client). */
    public static String instanceName(ServiceConfig.Server server) {
        return server.name() + "-" + server.nodeId() + "-" + ProcessHandle.current().pid();
    }

    /**
     * The process's one meter registry with jvm_* (memory, GC, threads, classes), process_* (CPU,
     * uptime, files) and system_* meters bound, Lettuce's meters shaped (RedisConnector.configureMeters);
     * the GC meters are closed by {@code lifecycle}.
     */
    public static PrometheusMeterRegistry processMetrics(Lifecycle lifecycle) {
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RedisConnector.configureMeters(metrics);
        new JvmMemoryMetrics().bindTo(metrics);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics);
        lifecycle.onStop("gc metrics", remaining -> gc.close());
        new JvmThreadMetrics().bindTo(metrics);
        new ClassLoaderMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        new FileDescriptorMetrics().bindTo(metrics);
        return metrics;
    }

    /**
     * Connects to Redis and chooses how its writes are made durable before they are acknowledged
     * (closed by {@code lifecycle}). Opened before anything else, so that a Redis that cannot keep
     * acknowledged grants refuses the start (ConfigException, one line) before the broker starts.
     */
    /**
     * L2 on a Redis of its own (cache.redis-uri): a plain client, no durability asked of it (a lost copy
     * is read again from MySQL), closed by {@code lifecycle}.
     */
    private static L2Store cacheRedis(String uri, int timeoutMs, Lifecycle lifecycle) {
        RedisURI parsed = RedisURI.create(uri);
        parsed.setTimeout(Duration.ofMillis(timeoutMs));
        RedisClient client = RedisClient.create(parsed);
        StatefulRedisConnection<String, String> connection = client.connect();
        lifecycle.onStop("cache redis", remaining -> {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        });
        return new RedisL2Store(connection.sync());
    }

    public static RedisConnector connectRedis(ServiceConfig config, PrometheusMeterRegistry metrics,
            Lifecycle lifecycle) {
        RedisConnector redis = new RedisConnector(config.redis(), metrics);
        lifecycle.onStop("redis", remaining -> redis.close());
        return redis;
    }

    /**
     * Opens the MySQL pool (closed by {@code lifecycle}) and builds the sale store, the repositories
     * and the caches on it and on {@code redis} ({@link #connectRedis}); {@code namesrvAddr} is the
     * broker's name server.
     */
    public static Infrastructure open(ServiceConfig config, Clock clock, PrometheusMeterRegistry metrics,
            OpenTelemetry telemetry, String namesrvAddr, String instance, RedisConnector redis, Lifecycle lifecycle) {
        HikariDataSource dataSource = Databases.pool(config.mysql(), "coupon-db", metrics);
        lifecycle.onStop("database pool", remaining -> dataSource.close());
        SaleStore store = new SaleStore(redis.access(), Duration.ofMillis(config.redis().timeoutMs()),
                redis.durability());
        TemplateRepository templates = new TemplateRepository(dataSource);
        ActivityRepository activities = new ActivityRepository(dataSource);
        UserCouponRepository coupons = new UserCouponRepository(dataSource);

        // caches: Caffeine L1 -> Redis L2 -> MySQL, kept true by the binlog (coupon-binlog-topic, broadcast)
        ServiceConfig.Cache cc = config.cache();
        L2Store l2 = cc.ownRedis() ? cacheRedis(cc.redisUri(), config.redis().timeoutMs(), lifecycle)
                : new RedisL2Store(redis.access().sync());
        TieredCache<Template> templateCache = new TieredCache<>("template", new TieredCache.Settings(cc.l1MaxSize(),
                Duration.ofMillis(cc.templateL1TtlMs()), cc.negativeMaxSize(), Duration.ofMillis(cc.negativeTtlMs()),
                Duration.ofMillis(cc.l2TtlMs())), l2, Registry::templateCacheKey, new CacheCodec<>(Template.class),
                templates::find);
        templateCache.bindTo(metrics);
        TieredCache<Activity> activityCache = new TieredCache<>("activity", new TieredCache.Settings(cc.l1MaxSize(),
                Duration.ofMillis(config.business().flashsale().activityCacheMs()), cc.negativeMaxSize(),
                Duration.ofMillis(cc.negativeTtlMs()), Duration.ofMillis(cc.l2TtlMs())), l2, Registry::activityCacheKey,
                new CacheCodec<>(Activity.class), activities::find);
        PublishedTemplatePages templatePages = new PublishedTemplatePages(
                (before, size) -> templates.list(TemplateStatus.PUBLISHED, before, size),
                Duration.ofMillis(cc.templateL1TtlMs()), 1_000);
        ServiceConfig.Reads reads = config.business().reads();
        // cold wallets in batches of up to 32 users, by at most a quarter of the read threads at once
        WalletCache wallets = new WalletCache(coupons::newestOf, WALLET_BATCH, Math.max(1, reads.readThreads() / 4),
                Duration.ofMillis(reads.walletCacheMs()), reads.walletCacheSize(), System::nanoTime);
        wallets.bindTo(metrics);
        return new Infrastructure(config, clock, metrics, telemetry, namesrvAddr, instance, dataSource, redis, store,
                templates, activities, coupons, templateCache, activityCache, templatePages, wallets,
                new GrantedTerms(new TemplateVersions(dataSource), activities::pinnedVersion, TERMS_CACHE_SIZE));
    }
}
