package io.flashcoupon.systemtest.support;

import java.net.URI;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Where the integration tests find MySQL and Redis, decided once per JVM from the environment:
 * <ol>
 * <li>REDIS_URI and MYSQL_URL set (scripts/test exports both): those servers, as before;</li>
 * <li>else a Docker engine available: Testcontainers starts MySQL 8 and Redis 7.2 ({@link ContainerStores});</li>
 * <li>else under CI=true: refused with one message naming both ways out (a run without stores never skips);</li>
 * <li>else (a developer's machine): 127.0.0.1 on MYSQL_PORT / REDIS_PORT (3306 / 6379), as before.</li>
 * </ol>
 * One of the two addresses without the other is refused: half from the environment and half from a
 * container would test a pair nobody runs. Pure: the environment and the Docker probe are given.
 */
public final class StoreSource {
    /** How the stores are found. */
    public enum Kind { ENVIRONMENT, CONTAINERS, LOCAL_DEFAULTS }

    /** MySQL (user and password included) and Redis as the tests reach them. */
    public record Endpoints(String mysqlHost, int mysqlPort, String mysqlUser, String mysqlPassword,
            String redisHost, int redisPort) {}

    private StoreSource() {}

    /**
     * The kind of source for {@code env}; {@code docker} is asked only when no address is set.
     *
     * @throws IllegalStateException when only one address is set, or under CI=true with neither addresses nor Docker
     */
    public static Kind choose(Map<String, String> env, BooleanSupplier docker) {
        boolean redis = set(env, "REDIS_URI");
        boolean mysql = set(env, "MYSQL_URL");
        if (redis && mysql) {
            return Kind.ENVIRONMENT;
        }
        if (redis || mysql) {
            throw new IllegalStateException((redis ? "REDIS_URI" : "MYSQL_URL") + " is set but "
                    + (redis ? "MYSQL_URL" : "REDIS_URI") + " is not: the integration tests take both stores"
                    + " from the environment, or neither");
        }
        if (docker.getAsBoolean()) {
            return Kind.CONTAINERS;
        }
        if ("true".equalsIgnoreCase(env.getOrDefault("CI", "").trim())) {
            throw new IllegalStateException("CI=true but REDIS_URI and MYSQL_URL are not set and no Docker engine"
                    + " is available: the integration tests have no MySQL or Redis. Run them through scripts/test"
                    + " (it starts Redis and MariaDB and exports both addresses) or give CI a Docker engine.");
        }
        return Kind.LOCAL_DEFAULTS;
    }

    /** The stores named by REDIS_URI (redis://host[:port][/db]) and MYSQL_URL (jdbc:mysql://host[:port]/db). */
    public static Endpoints fromEnvironment(Map<String, String> env) {
        URI redis = uri(env.get("REDIS_URI"), "REDIS_URI", "redis");
        URI mysql = uri(env.get("MYSQL_URL").replaceFirst("^jdbc:", ""), "MYSQL_URL", "mysql");
        return new Endpoints(mysql.getHost(), mysql.getPort() < 0 ? 3306 : mysql.getPort(), user(env),
                password(env), redis.getHost(), redis.getPort() < 0 ? 6379 : redis.getPort());
    }

    /** 127.0.0.1 on MYSQL_PORT and REDIS_PORT (3306, 6379): the services of scripts/services. */
    public static Endpoints localDefaults(Map<String, String> env) {
        return new Endpoints("127.0.0.1", port(env, "MYSQL_PORT", 3306), user(env), password(env), "127.0.0.1",
                port(env, "REDIS_PORT", 6379));
    }

    private static URI uri(String value, String name, String scheme) {
        String form = scheme.equals("redis") ? "redis://host[:port][/db]" : "jdbc:mysql://host[:port]/database";
        URI uri;
        try {
            uri = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(name + " must be " + form + ", not " + value, e);
        }
        if (!scheme.equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalStateException(name + " must be " + form + ", not " + value);
        }
        return uri;
    }

    private static String user(Map<String, String> env) {
        return set(env, "MYSQL_USER") ? env.get("MYSQL_USER") : "coupon";
    }

    private static String password(Map<String, String> env) {
        return set(env, "MYSQL_PASSWORD") ? env.get("MYSQL_PASSWORD") : "coupon";
    }

    private static int port(Map<String, String> env, String name, int def) {
        if (!set(env, name)) {
            return def;
        }
        try {
            return Integer.parseInt(env.get(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " is not a port: " + env.get(name), e);
        }
    }

    private static boolean set(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }
}
