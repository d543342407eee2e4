package io.flashcoupon.core.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flashcoupon.core.config.ServiceConfig;

/** Builds the process's one connection pool. */
public final class Databases {
    private Databases() {}

    public static HikariDataSource pool(ServiceConfig.Mysql mysql, String poolName) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(poolName);
        hc.setJdbcUrl(mysql.jdbcUrl());
        hc.setUsername(mysql.username());
        hc.setPassword(mysql.password());
        hc.setMaximumPoolSize(mysql.maxOpenConnections());
        hc.setMinimumIdle(Math.min(2, mysql.maxOpenConnections()));
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(10_000);
        return new HikariDataSource(hc);
    }
}
