package io.flashcoupon.systemtest.support;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * MySQL 8 and Redis 7.2 in containers for a JVM whose environment names no stores
 * ({@link StoreSource.Kind#CONTAINERS}): the images and server options of compose/, started once,
 * removed by Testcontainers when the JVM exits. The broker needs no container: the tests embed it.
 * The DTM server is not started here: the Saga tests still need DTM_HTTP (scripts/dtm).
 * Not run on the project's machines (no Docker engine there).
 */
final class ContainerStores {
    /** compose/'s images. */
    static final String MYSQL_IMAGE = "mysql:8.0.40";
    static final String REDIS_IMAGE = "redis:7.2.5";
    private static final String PASSWORD = "coupon";

    private ContainerStores() {}

    /** Whether Testcontainers finds a Docker engine (it caches the answer). */
    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /**
     * Starts both containers and returns where they listen. MySQL as root (the tests create and
     * drop databases, the change-data-capture reader needs replication rights), with the binlog
     * settings of compose/ (ROW, FULL); Redis with compose/'s durability.
     */
    @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM exits
    static StoreSource.Endpoints start() {
        MySQLContainer<?> mysql = new MySQLContainer<>(DockerImageName.parse(MYSQL_IMAGE))
                .withDatabaseName("coupon_it").withUsername("root").withPassword(PASSWORD)
                .withCommand("--server-id=1", "--log-bin=mysql-bin", "--binlog-format=ROW",
                        "--binlog-row-image=FULL", "--character-set-server=utf8mb4");
        GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
                .withExposedPorts(6379)
                .withCommand("redis-server", "--appendonly", "yes", "--appendfsync", "always");
        mysql.start();
        redis.start();
        return new StoreSource.Endpoints(mysql.getHost(), mysql.getMappedPort(MySQLContainer.MYSQL_PORT),
                mysql.getUsername(), mysql.getPassword(), redis.getHost(), redis.getMappedPort(6379));
    }
}
