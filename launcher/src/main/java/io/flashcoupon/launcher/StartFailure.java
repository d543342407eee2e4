package io.flashcoupon.launcher;

import io.flashcoupon.core.config.ServiceConfig;
import java.net.BindException;
import java.sql.SQLException;

/**
 * A start-up failure as one line naming the dependency (and the keys that point at it) or the port
 * that failed, with the root cause's message: what an operator reads first, instead of a stack trace
 * in which the cause sits forty lines down.
 */
final class StartFailure {
    private StartFailure() {}

    /** The line for {@code e}, thrown while starting with {@code config}. */
    static String describe(Throwable e, ServiceConfig config) {
        String root = rootMessage(e);
        if (has(e, "io.lettuce.core.RedisConnectionException") || has(e, "io.lettuce.core.RedisCommandTimeoutException")) {
            ServiceConfig.Redis r = config.redis();
            return "start refused: Redis at " + r.host() + ":" + r.port() + " (redis.host, redis.port) is not usable: "
                    + root;
        }
        if (has(e, "org.flywaydb.core.api.FlywayException")) {
            return "start refused: migrating the schema of MySQL database " + config.mysql().database()
                    + " failed (mysql.migrate): " + root;
        }
        if (has(e, "com.zaxxer.hikari.pool.HikariPool$PoolInitializationException") || find(e, SQLException.class)) {
            ServiceConfig.Mysql m = config.mysql();
            return "start refused: MySQL at " + m.host() + ":" + m.port() + "/" + m.database()
                    + " (mysql.host, mysql.port, mysql.database, mysql.username, mysql.password) is not usable: " + root;
        }
        if (find(e, BindException.class) || has(e, "io.javalin.util.JavalinBindException")) {
            ServiceConfig.Server s = config.server();
            return "start refused: a port is taken (server.grpc-port " + s.grpcPort() + ", server.http-port "
                    + s.httpPort() + "; rocketmq.namesrv-port, rocketmq.broker-port when embedded): " + root;
        }
        if (has(e, "org.apache.rocketmq.client.exception.MQClientException")
                || has(e, "org.apache.rocketmq.remoting.exception.RemotingException")
                || root.contains("name server") || root.contains("broker")) {
            ServiceConfig.Rocketmq mq = config.rocketmq();
            return "start refused: the broker behind name server " + mq.namesrvAddr() + " ("
                    + (mq.embedded() ? "rocketmq.embedded, rocketmq.namesrv-port, rocketmq.broker-port"
                            : "rocketmq.nameservers") + ") is not usable: " + root;
        }
        return "start failed: " + root;
    }

    /** The innermost message of the cause chain, with its exception's simple name. */
    static String rootMessage(Throwable e) {
        Throwable last = e;
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            last = t;
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getClass().getSimpleName() + ": " + t.getMessage().lines().findFirst().orElse("");
            }
        }
        return message != null ? message : last.getClass().getSimpleName();
    }

    private static boolean has(Throwable e, String className) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
                if (c.getName().equals(className)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean find(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
