package io.flashcoupon.core.config;

import java.util.List;

/**
 * The whole configuration of a service process, loaded once from srv.yaml (plus environment
 * overrides) by {@link ConfigLoader} and validated before anything starts.
 */
public record ServiceConfig(
        Server server, Mysql mysql, Redis redis, Rocketmq rocketmq, Business business) {

    /** Network endpoints and identity of this process. */
    public record Server(String name, String host, int grpcPort, int httpPort, int nodeId) {}

    /** The MySQL (MariaDB in dev) holding templates, activities and wallets. */
    public record Mysql(String host, int port, String database, String username, String password,
            int maxOpenConnections, boolean migrate) {
        public String jdbcUrl() {
            return "jdbc:mysql://" + host + ":" + port + "/" + database
                    + "?rewriteBatchedStatements=true&useSSL=false&allowPublicKeyRetrieval=true"
                    + "&connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true";
        }
    }

    /** The Redis holding live sales. */
    public record Redis(String host, int port, String password, int database, int timeoutMs) {
        public String uri() {
            String auth = password == null || password.isEmpty() ? "" : ":" + password + "@";
            return "redis://" + auth + host + ":" + port + "/" + database;
        }
    }

    /** The broker. embedded = start name server + broker in this process; else use nameservers. */
    public record Rocketmq(boolean embedded, String embeddedHome, int namesrvPort, int brokerPort,
            List<String> nameservers, int sendTimeoutMs) {
        public String namesrvAddr() {
            return embedded ? "127.0.0.1:" + namesrvPort : String.join(";", nameservers);
        }
    }

    /** Business rules and tuning. */
    public record Business(Flashsale flashsale, Sink sink, Reconcile reconcile, Wallet wallet) {}

    /** Flash-sale admission and grab execution. maxQpsPerIp 0 = no per-IP limit. */
    public record Flashsale(int grabThreads, int grabQueue, int activityCacheMs, int maxQpsPerUser, int maxQpsPerIp,
            int soldOutRecheckMs) {}

    /** The batched MySQL writer behind the materializer. */
    public record Sink(int batchSize, int flushIntervalMs) {}

    /**
     * Reconciliation of live sales (DESIGN.md "The grab" step 5). enabled = run it periodically in
     * this process (on-demand runs through the admin API work either way); a grant without a row is
     * re-published once it is older than graceMs; intervalMs is the pause between periodic runs.
     */
    public record Reconcile(boolean enabled, long graceMs, long intervalMs) {}

    /**
     * Paying with coupons (issue 5). A Saga lock holds a coupon for lockTtlMs; every
     * lockReleaseIntervalMs the lock-expiry job releases locks past their deadline, every
     * expireIntervalMs the expiry job marks unused coupons past their validity EXPIRED, each pass
     * handling at most jobBatchSize rows (enabled = run both jobs in this process; they are safe on
     * several instances). The outbox relay polls every outboxPollMs (and at once after a local
     * change), sending at most outboxBatchSize events per claim; a claim lasts outboxClaimMs.
     */
    public record Wallet(long lockTtlMs, boolean jobsEnabled, long lockReleaseIntervalMs, long expireIntervalMs,
            int jobBatchSize, long outboxPollMs, int outboxBatchSize, long outboxClaimMs) {}
}
