package io.flashcoupon.core.config;

import io.flashcoupon.core.Registry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a loaded configuration and reports every problem at once, each naming its key. */
public final class ConfigValidator {
    /** Clock difference between instances that business.flashsale.publish-stale-ms must allow for. */
    static final long PUBLISH_CLOCK_SKEW_MS = 1_000;
    /** The operate token of the shipped srv.yaml: known to everyone, refused unless admin.allow-dev-token. */
    public static final String DEV_TOKEN = "dev-operate-token-change-me";
    /** The saga.branch-token of the shipped srv.yaml: refused unless admin.allow-dev-token, as DEV_TOKEN is. */
    public static final String DEV_BRANCH_TOKEN = "dev-saga-branch-token-change-me";
    /** Shortest admin token accepted: 16 characters (e.g. `openssl rand -hex 16` gives 32). */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** What an admin token's name may hold (it is the actor of the audit log). */
    public static final java.util.regex.Pattern TOKEN_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    private ConfigValidator() {}

    public static void validate(ServiceConfig c) {
        List<String> errors = new ArrayList<>();
        require(errors, c.server() != null, "server section is missing");
        require(errors, c.mysql() != null, "mysql section is missing");
        require(errors, c.redis() != null, "redis section is missing");
        require(errors, c.rocketmq() != null, "rocketmq section is missing");
        require(errors, c.tracing() != null, "tracing section is missing");
        require(errors, c.business() != null && c.business().flashsale() != null && c.business().sink() != null
                        && c.business().reconcile() != null && c.business().wallet() != null
                        && c.business().reads() != null,
                "business.flashsale, business.sink, business.reconcile, business.wallet and business.reads sections"
                        + " are required");
        require(errors, c.admin() != null, "admin section is missing");
        require(errors, c.saga() != null, "saga section is missing");
        require(errors, c.cache() != null, "cache section is missing");
        require(errors, c.cdc() != null && c.cdc().embedded() != null, "cdc.embedded section is missing");
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("; ", errors));
        }
        port(errors, "server.grpc-port", c.server().grpcPort());
        port(errors, "server.http-port", c.server().httpPort());
        notBlank(errors, "server.host", c.server().host());
        range(errors, "server.node-id", c.server().nodeId(), 0, 1023);
        require(errors, List.of("refuse", "next-free").contains(c.server().nodeIdPolicy()),
                "server.node-id-policy must be refuse or next-free, was '" + c.server().nodeIdPolicy() + "'");
        range(errors, "server.node-lease-ms", c.server().nodeLeaseMs(), 1_000, 600_000);
        roles(errors, c.server().roles());
        range(errors, "server.shutdown-timeout-ms", c.server().shutdownTimeoutMs(), 1_000, 600_000);
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
        durability(errors, c.redis());
        if (c.cache() != null && c.cache().ownRedis()) {
            require(errors, c.cache().redisUri().matches("rediss?://([^@\\s]*@)?[^:/@\\s]+(:\\d{1,5})?(/\\d{1,2})?"),
                    "cache.redis-uri must be redis://[:password@]host[:port][/db], was '" + c.cache().redisUri() + "'");
        }
        if (c.redis().cluster()) {
            entries(errors, "redis.cluster-nodes", c.redis().clusterNodes(), "[^:\\s]+:\\d{1,5}", "host:port", "");
            require(errors, c.redis().database() == 0, "redis.database must be 0 with redis.cluster-nodes: a Redis"
                    + " Cluster has only database 0, was " + c.redis().database());
        }
        ServiceConfig.Rocketmq mq = c.rocketmq();
        if (mq.embedded()) {
            notBlank(errors, "rocketmq.embedded-home", mq.embeddedHome());
            port(errors, "rocketmq.namesrv-port", mq.namesrvPort());
            port(errors, "rocketmq.broker-port", mq.brokerPort());
            require(errors, mq.brokerPort() != mq.namesrvPort() && mq.brokerPort() + 1 != mq.namesrvPort(),
                    "rocketmq.broker-port and broker-port+1 (HA) must differ from rocketmq.namesrv-port");
        } else {
            entries(errors, "rocketmq.nameservers", mq.nameservers(), "[^:\\s]+:\\d{1,5}", "host:port",
                    "rocketmq.nameservers must list at least one host:port when rocketmq.embedded is false");
        }
        range(errors, "rocketmq.send-timeout-ms", mq.sendTimeoutMs(), 1, 60_000);
        aclCredentials(errors, mq);
        queues(errors, mq);
        range(errors, "rocketmq.min-masters", mq.minMasters(), 1, 64);
        ServiceConfig.Flashsale fs = c.business().flashsale();
        range(errors, "business.flashsale.grab-threads", fs.grabThreads(), 1, 4096);
        range(errors, "business.flashsale.grab-queue", fs.grabQueue(), 0, 1_000_000);
        range(errors, "business.flashsale.activity-cache-ms", fs.activityCacheMs(), 0, 3_600_000);
        range(errors, "business.flashsale.max-qps-per-user", fs.maxQpsPerUser(), 1, 1_000_000);
        range(errors, "business.flashsale.max-qps-per-ip", fs.maxQpsPerIp(), 0, 10_000_000);
        range(errors, "business.flashsale.sold-out-recheck-ms", fs.soldOutRecheckMs(), 1, 3_600_000);
        range(errors, "business.flashsale.warmup-grabs", fs.warmupGrabs(), 0, 1_000_000);
        range(errors, "business.flashsale.grab-batch-max", fs.grabBatchMax(), 1, 1_000);
        range(errors, "business.flashsale.grab-batches-in-flight", fs.grabBatchesInFlight(), 1, 64);
        range(errors, "business.flashsale.publish-relay-ms", fs.publishRelayMs(), 10, 3_600_000);
        range(errors, "business.flashsale.publish-stale-ms", fs.publishStaleMs(), 1, 3_600_000);
        long batchLifeMs = (long) c.redis().timeoutMs() + c.redis().durabilityTimeoutMs() + mq.sendTimeoutMs()
                + PUBLISH_CLOCK_SKEW_MS;
        require(errors, fs.publishStaleMs() > batchLifeMs,
                "business.flashsale.publish-stale-ms (" + fs.publishStaleMs() + ") must exceed redis.timeout-ms +"
                        + " redis.durability-timeout-ms + rocketmq.send-timeout-ms + " + PUBLISH_CLOCK_SKEW_MS
                        + " ms of clock skew (" + batchLifeMs + "): a younger outbox entry may belong to a batch whose"
                        + " script is still being replayed or whose events are still being sent");
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
        ServiceConfig.Reads rd = c.business().reads();
        range(errors, "business.reads.status-cache-ms", rd.statusCacheMs(), 0, 60_000);
        range(errors, "business.reads.wallet-cache-ms", rd.walletCacheMs(), 0, 3_600_000);
        range(errors, "business.reads.wallet-cache-size", rd.walletCacheSize(), 0, 10_000_000);
        range(errors, "business.reads.read-threads", rd.readThreads(), 1, 4096);
        range(errors, "business.reads.read-queue", rd.readQueue(), 0, 1_000_000);
        range(errors, "business.reads.saga-threads", rd.sagaThreads(), 1, 4096);
        range(errors, "business.reads.saga-queue", rd.sagaQueue(), 0, 1_000_000);
        range(errors, "business.reads.admin-threads", rd.adminThreads(), 1, 4096);
        range(errors, "business.reads.admin-queue", rd.adminQueue(), 0, 1_000_000);
        ServiceConfig.Reconcile rc = c.business().reconcile();
        range(errors, "business.reconcile.grace-ms", rc.graceMs(), 0, 86_400_000);
        range(errors, "business.reconcile.interval-ms", rc.intervalMs(), 1_000, 86_400_000);
        range(errors, "business.reconcile.settled-recheck-ms", rc.settledRecheckMs(), 0, 86_400_000);
        range(errors, "business.reconcile.fence-interval-ms", rc.fenceIntervalMs(), 0, 60_000);
        range(errors, "business.reconcile.fence-lease-ms", rc.fenceLeaseMs(), 100, 600_000);
        range(errors, "business.reconcile.heal-settle-ms", rc.healSettleMs(), 0, 600_000);
        require(errors, rc.fenceIntervalMs() == 0 || rc.fenceLeaseMs() >= 3 * rc.fenceIntervalMs(),
                "business.reconcile.fence-lease-ms (" + rc.fenceLeaseMs() + ") must be at least 3 x"
                        + " business.reconcile.fence-interval-ms (" + rc.fenceIntervalMs() + "), or one slow check"
                        + " would fence every sale");
        require(errors, rc.graceMs() >= sink.flushIntervalMs(),
                "business.reconcile.grace-ms (" + rc.graceMs() + ") must be at least business.sink.flush-interval-ms ("
                        + sink.flushIntervalMs() + "): a grant younger than one sink flush is not late, and"
                        + " re-publishing it only adds duplicates");
        admin(errors, c.admin());
        saga(errors, c.saga(), c.admin());
        ServiceConfig.Cache cache = c.cache();
        range(errors, "cache.l1-max-size", cache.l1MaxSize(), 1, 10_000_000);
        range(errors, "cache.template-l1-ttl-ms", cache.templateL1TtlMs(), 0, 86_400_000);
        range(errors, "cache.negative-max-size", cache.negativeMaxSize(), 1, 10_000_000);
        range(errors, "cache.negative-ttl-ms", cache.negativeTtlMs(), 0, 3_600_000);
        range(errors, "cache.l2-ttl-ms", cache.l2TtlMs(), 1, 86_400_000);
        range(errors, "cache.second-delete-ms", cache.secondDeleteMs(), 1, 60_000);
        ServiceConfig.Embedded cdc = c.cdc().embedded();
        if (cdc.enabled()) {
            range(errors, "cdc.embedded.server-id", cdc.serverId(), 0, 4_294_967_295L);
            notBlank(errors, "cdc.embedded.state-dir", cdc.stateDir());
            entries(errors, "cdc.embedded.tables", cdc.tables(), "[A-Za-z0-9_]+", "letters, digits or '_'",
                    "cdc.embedded.tables must name at least one table when cdc.embedded.enabled is true");
            range(errors, "cdc.embedded.poll-interval-ms", cdc.pollIntervalMs(), 1, 10_000);
        }
        if (c.tracing().enabled()) {
            require(errors, c.tracing().otlpEndpoint().matches("https?://[^\\s/:]+(:\\d{1,5})?/?"),
                    "tracing.otlp-endpoint must be http(s)://host:port, was '" + c.tracing().otlpEndpoint() + "'");
        }
        require(errors, c.tracing().sampleRatio() >= 0 && c.tracing().sampleRatio() <= 1,
                "tracing.sample-ratio must be between 0 and 1, was " + c.tracing().sampleRatio());
        if (!errors.isEmpty()) {
            throw new ConfigException("invalid configuration: " + String.join("; ", errors));
        }
    }

    private static void durability(List<String> errors, ServiceConfig.Redis r) {
        boolean known = false;
        for (ServiceConfig.Durability d : ServiceConfig.Durability.values()) {
            known |= d.key().equals(r.durability());
        }
        require(errors, known, "redis.durability must be one of auto, waitaof, fsync-always, was '" + r.durability()
                + "'");
        range(errors, "redis.durability-replicas", r.durabilityReplicas(), 0, 100);
        range(errors, "redis.durability-timeout-ms", r.durabilityTimeoutMs(), 1, 60_000);
        require(errors, r.durabilityTimeoutMs() < r.timeoutMs(),
                "redis.durability-timeout-ms (" + r.durabilityTimeoutMs() + ") must be below redis.timeout-ms ("
                        + r.timeoutMs() + "): Redis must answer a timed-out WAITAOF/WAIT before the client gives up"
                        + " on the call");
    }

    /** Tokens are named by list and index in messages, never by value: a config error must not print a secret. */
    private static void admin(List<String> errors, ServiceConfig.Admin a) {
        require(errors, !a.operateTokens().isEmpty(),
                "admin.operate-tokens must list at least one token (else nobody can operate a sale)");
        Set<String> seen = new HashSet<>();
        token(errors, "admin.read-tokens", a.readTokens(), seen, a.allowDevToken());
        token(errors, "admin.operate-tokens", a.operateTokens(), seen, a.allowDevToken());
        Set<String> names = new HashSet<>();
        if (a.readTokenNames().isEmpty()) {
            for (int i = 0; i < a.readTokens().size(); i++) {
                names.add(a.readTokenName(i));
            }
        }
        if (a.operateTokenNames().isEmpty()) {
            for (int i = 0; i < a.operateTokens().size(); i++) {
                names.add(a.operateTokenName(i));
            }
        }
        tokenNames(errors, "admin.read-token-names", a.readTokenNames(), a.readTokens().size(), seen, names);
        tokenNames(errors, "admin.operate-token-names", a.operateTokenNames(), a.operateTokens().size(), seen, names);
    }

    /**
     * Token names are what the audit log stores as the actor: empty (every token named by role and
     * position), or one per token, unique over both lists (and the derived names of an unnamed list), of {@link #TOKEN_NAME} characters, and none
     * equal to a token (a name is logged; a token never is).
     */
    private static void tokenNames(List<String> errors, String key, List<String> names, int tokens,
            Set<String> tokenValues, Set<String> seen) {
        if (names.isEmpty()) {
            return;
        }
        if (names.size() != tokens) {
            errors.add(key + " must name every token of its list or be empty: " + names.size() + " name(s) for "
                    + tokens + " token(s)");
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            String at = key + "[" + i + "]";
            if (n == null || n.isEmpty()) {
                errors.add(at + " is empty");
                continue;
            }
            if (tokenValues.contains(n)) {
                errors.add(at + " is one of the tokens (names are logged and stored, tokens never)");
                continue;
            }
            require(errors, TOKEN_NAME.matcher(n).matches(), at + " '" + n
                    + "' must be 1 to 64 characters of letters, digits, '.', '_', '@' or '-'");
            require(errors, seen.add(n), at + " '" + n + "' names another token too (names must be unique)");
        }
    }

    /** The credential only DTM holds: like an admin token, but of its own (never one of the admin tokens). */
    /** Both ACL keys or neither; printable ASCII without spaces (they travel in request headers). */
    /** rocketmq.queues: a count for every topic of the Registry, for no other name, each in range. */
    private static void queues(List<String> errors, ServiceConfig.Rocketmq mq) {
        Set<String> topics = Registry.defaultQueues().keySet();
        for (Map.Entry<String, Integer> e : mq.queues().entrySet()) {
            if (!topics.contains(e.getKey())) {
                errors.add("rocketmq.queues." + e.getKey() + " names no topic of the service (its topics: "
                        + String.join(", ", topics) + ")");
            } else if (e.getValue() == null) {
                errors.add("rocketmq.queues." + e.getKey() + " must be a number");
            } else {
                range(errors, "rocketmq.queues." + e.getKey(), e.getValue(), 1, Registry.MAX_QUEUES_PER_TOPIC);
            }
        }
        for (String topic : topics) {
            require(errors, mq.queues().containsKey(topic), "rocketmq.queues." + topic + " is missing");
        }
    }

    private static void aclCredentials(List<String> errors, ServiceConfig.Rocketmq mq) {
        boolean access = !mq.accessKey().isEmpty();
        boolean secret = !mq.secretKey().isEmpty();
        if (access != secret) {
            errors.add("rocketmq.access-key and rocketmq.secret-key must be set together (one is "
                    + (access ? "rocketmq.access-key" : "rocketmq.secret-key") + ", the other is empty)");
            return;
        }
        require(errors, mq.accessKey().matches("[!-~]*"),
                "rocketmq.access-key must be printable ASCII without spaces");
        require(errors, mq.secretKey().matches("[!-~]*"),
                "rocketmq.secret-key must be printable ASCII without spaces (its value is not shown)");
    }

    private static void saga(List<String> errors, ServiceConfig.Saga s, ServiceConfig.Admin a) {
        String t = s.branchToken();
        if (t == null || t.length() < MIN_TOKEN_LENGTH) {
            errors.add("saga.branch-token must be at least " + MIN_TOKEN_LENGTH
                    + " characters (DTM sends it with every Saga branch call)");
            return;
        }
        require(errors, t.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f),
                "saga.branch-token must be printable ASCII without spaces (it travels in an HTTP header)");
        require(errors, !a.readTokens().contains(t) && !a.operateTokens().contains(t),
                "saga.branch-token must not be one of the admin tokens (only the Saga submitters may hold it)");
        require(errors, !a.readTokenNames().contains(t) && !a.operateTokenNames().contains(t),
                "saga.branch-token must not be one of the admin token names (names are logged and stored)");
        require(errors, a.allowDevToken() || !t.equals(DEV_BRANCH_TOKEN),
                "saga.branch-token is the shipped dev token, refused because admin.allow-dev-token is false");
    }

    private static void token(List<String> errors, String key, List<String> tokens, Set<String> seen,
            boolean allowDev) {
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            String name = key + "[" + i + "]";
            if (t == null || t.length() < MIN_TOKEN_LENGTH) {
                errors.add(name + " must be at least " + MIN_TOKEN_LENGTH + " characters");
                continue;
            }
            require(errors, t.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f),
                    name + " must be printable ASCII without spaces (it travels in an HTTP header)");
            require(errors, seen.add(t), name + " repeats a token listed before (a token has one role)");
            require(errors, allowDev || !t.equals(DEV_TOKEN),
                    name + " is the shipped dev token, refused because admin.allow-dev-token is false");
        }
    }

    private static void roles(List<String> errors, List<String> roles) {
        List<String> known = Arrays.stream(ServiceConfig.Role.values()).map(ServiceConfig.Role::key).toList();
        if (roles == null || roles.isEmpty()) {
            errors.add("server.roles must name at least one of " + known);
            return;
        }
        for (String r : roles) {
            require(errors, known.contains(r), "server.roles entry '" + r + "' is not one of " + known);
        }
        require(errors, roles.stream().distinct().count() == roles.size(),
                "server.roles lists a role twice: " + roles);
    }

    private static void require(List<String> errors, boolean ok, String message) {
        if (!ok) {
            errors.add(message);
        }
    }

    /** A list that must not be empty ({@code ifEmpty} says so), each entry matching {@code pattern} ({@code shape}). */
    private static void entries(List<String> errors, String key, List<String> values, String pattern, String shape,
            String ifEmpty) {
        if (values == null || values.isEmpty()) {
            errors.add(ifEmpty);
            return;
        }
        for (String v : values) {
            require(errors, v != null && v.matches(pattern), key + " entry '" + v + "' must be " + shape);
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
