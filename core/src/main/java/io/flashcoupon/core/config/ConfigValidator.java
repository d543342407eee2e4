package io.flashcoupon.core.config;

import java.util.ArrayList;
import java.util.List;

/** Checks a loaded configuration and reports every problem at once, each naming its key. */
public final class ConfigValidator {
    private ConfigValidator() {}

    public static void validate(ServiceConfig c) {
        List<String> errors = new ArrayList<>();
        require(errors, c.server() != null, "server section is missing");
        require(errors, c.mysql() != null, "mysql section is missing");
        require(errors, c.redis() != null, "redis section is missing");
        require(errors, c.rocketmq() != null, "rocketmq section is missing");
        require(errors, c.business() != null && c.business().flashsale() != null && c.business().sink() != null
                        && c.business().reconcile() != null && c.business().wallet() != null,
                "business.flashsale, business.sink, business.reconcile and business.wallet sections are required");
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("; ", errors));
        }
        port(errors, "server.grpc-port", c.server().grpcPort());
        port(errors, "server.http-port", c.server().httpPort());
        notBlank(errors, "server.host", c.server().host());
        range(errors, "server.node-id", c.server().nodeId(), 0, 1023);
        notBlank(errors, "mysql.host", c.mysql().host());
        port(errors, "mysql.port", c.mysql().port());
        notBlank(errors, "mysql.database", c.mysql().database());
        require(errors, c.mysql().database() == null || c.mysql().database().matches("[A-Za-z0-9_]+"),
                "mysql.database must be letters, digits or '_', was '" + c.mysql().database() + "'");
        notBlank(errors, "mysql.username", c.mysql().username());
        range(errors, "mysql.max-open-connections", c.mysql().maxOpenConnections(), 1, 1000);
        notBlank(errors, "redis.host", c.redis().host());
        port(errors, "redis.port", c.redis().port());
        range(errors, "redis.database", c.redis().database(), 0, 15);
        range(errors, "redis.timeout-ms", c.redis().timeoutMs(), 1, 60_000);
        ServiceConfig.Rocketmq mq = c.rocketmq();
        if (mq.embedded()) {
            notBlank(errors, "rocketmq.embedded-home", mq.embeddedHome());
            port(errors, "rocketmq.namesrv-port", mq.namesrvPort());
            port(errors, "rocketmq.broker-port", mq.brokerPort());
            require(errors, mq.brokerPort() != mq.namesrvPort() && mq.brokerPort() + 1 != mq.namesrvPort(),
                    "rocketmq.broker-port and broker-port+1 (HA) must differ from rocketmq.namesrv-port");
        } else {
            require(errors, mq.nameservers() != null && !mq.nameservers().isEmpty(),
                    "rocketmq.nameservers must list at least one host:port when rocketmq.embedded is false");
            if (mq.nameservers() != null) {
                for (String ns : mq.nameservers()) {
                    require(errors, ns.matches("[^:\\s]+:\\d{1,5}"),
                            "rocketmq.nameservers entry '" + ns + "' must be host:port");
                }
            }
        }
        range(errors, "rocketmq.send-timeout-ms", mq.sendTimeoutMs(), 1, 60_000);
        ServiceConfig.Flashsale fs = c.business().flashsale();
        range(errors, "business.flashsale.grab-threads", fs.grabThreads(), 1, 4096);
        range(errors, "business.flashsale.grab-queue", fs.grabQueue(), 0, 1_000_000);
        range(errors, "business.flashsale.activity-cache-ms", fs.activityCacheMs(), 0, 3_600_000);
        range(errors, "business.flashsale.max-qps-per-user", fs.maxQpsPerUser(), 1, 1_000_000);
        range(errors, "business.flashsale.max-qps-per-ip", fs.maxQpsPerIp(), 0, 10_000_000);
        range(errors, "business.flashsale.sold-out-recheck-ms", fs.soldOutRecheckMs(), 1, 3_600_000);
        ServiceConfig.Sink sink = c.business().sink();
        range(errors, "business.sink.batch-size", sink.batchSize(), 1, 10_000);
        range(errors, "business.sink.flush-interval-ms", sink.flushIntervalMs(), 1, 60_000);
        ServiceConfig.Wallet w = c.business().wallet();
        range(errors, "business.wallet.lock-ttl-ms", w.lockTtlMs(), 1_000, 86_400_000);
        range(errors, "business.wallet.lock-release-interval-ms", w.lockReleaseIntervalMs(), 100, 86_400_000);
        range(errors, "business.wallet.expire-interval-ms", w.expireIntervalMs(), 100, 86_400_000);
        range(errors, "business.wallet.job-batch-size", w.jobBatchSize(), 1, 100_000);
        range(errors, "business.wallet.outbox-poll-ms", w.outboxPollMs(), 10, 60_000);
        range(errors, "business.wallet.outbox-batch-size", w.outboxBatchSize(), 1, 10_000);
        range(errors, "business.wallet.outbox-claim-ms", w.outboxClaimMs(), 1_000, 3_600_000);
        ServiceConfig.Reconcile rc = c.business().reconcile();
        range(errors, "business.reconcile.grace-ms", rc.graceMs(), 0, 86_400_000);
        range(errors, "business.reconcile.interval-ms", rc.intervalMs(), 1_000, 86_400_000);
        require(errors, rc.graceMs() >= sink.flushIntervalMs(),
                "business.reconcile.grace-ms (" + rc.graceMs() + ") must be at least business.sink.flush-interval-ms ("
                        + sink.flushIntervalMs() + "): a grant younger than one sink flush is not late, and"
                        + " re-publishing it only adds duplicates");
        if (!errors.isEmpty()) {
            throw new ConfigException("invalid configuration: " + String.join("; ", errors));
        }
    }

    private static void require(List<String> errors, boolean ok, String message) {
        if (!ok) {
            errors.add(message);
        }
    }

    private static void notBlank(List<String> errors, String key, String value) {
        require(errors, value != null && !value.isBlank(), key + " must not be empty");
    }

    private static void port(List<String> errors, String key, int value) {
        range(errors, key, value, 0, 65535);
    }

    private static void range(List<String> errors, String key, long value, long min, long max) {
        require(errors, value >= min && value <= max,
                key + " must be between " + min + " and " + max + ", was " + value);
    }
}
