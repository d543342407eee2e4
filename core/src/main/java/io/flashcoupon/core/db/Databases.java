package io.flashcoupon.core.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.flashcoupon.core.config.ServiceConfig;
import io.micrometer.core.instrument.MeterRegistry;

/** Builds the process's one connection pool. */
public final class Databases {
    private Databases() {}

    public static HikariDataSource pool(ServiceConfig.Mysql mysql, String poolName) {
        return new HikariDataSource(config(mysql, poolName));
    }

    /**
     * The pool with HikariCP's own meters on {@code metrics}: hikaricp_connections (total, active, idle,
     * pending, min, max), hikaricp_connections_acquire_seconds, _usage_seconds, _creation_seconds and
     * hikaricp_connections_timeout_total, tagged pool = {@code poolName}.
     */
    public static HikariDataSource pool(ServiceConfig.Mysql mysql, String poolName, MeterRegistry metrics) {
        HikariConfig hc = config(mysql, poolName);
        hc.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(metrics));
        return new HikariDataSource(hc);
    }

    private static HikariConfig config(ServiceConfig.Mysql mysql, String poolName) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(poolName);
        hc.setJdbcUrl(mysql.jdbcUrl());
        hc.setUsername(mysql.username());
        hc.setPassword(mysql.password());
        hc.setMaximumPoolSize(mysql.maxOpenConnections());
        // Connector/J re-parses the text of every client-side prepared statement unless it caches the
        // parse per connection: a quarter of a cold wallet read's CPU (docs/performance.md). The limit
        // covers the longest statement text the repositories build (the default, 256 chars, does not): the
        // wallet batch of 32 users' UNION ALL is ~8,100 chars.
        hc.addDataSourceProperty("cachePrepStmts", "true");
        hc.addDataSourceProperty("prepStmtCacheSize", "256");
        hc.addDataSourceProperty("prepStmtCacheSqlLimit", "16384");
        hc.setMinimumIdle(Math.min(2, mysql.maxOpenConnections()));
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(10_000);
        return hc;
    }
}
