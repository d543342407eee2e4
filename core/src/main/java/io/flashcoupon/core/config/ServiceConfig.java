package io.flashcoupon.core.config;

import io.flashcoupon.core.Registry;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The whole configuration of a service process, loaded once from srv.yaml (plus environment
 * overrides) by {@link ConfigLoader} and validated before anything starts.
 */
public record ServiceConfig(
        Server server, Mysql mysql, Redis redis, Rocketmq rocketmq, Business business, Admin admin, Saga saga,
        Cache cache, Cdc cdc, Tracing tracing) {

    /**
     * Network endpoints and identity of this process. roles = the parts it runs (default all three), as
     * configured: the names {@link ConfigValidator} checks, typed by {@link #roleSet()};
     * shutdownTimeoutMs bounds a graceful stop (drain grabs, flush the sink, close), after which the
     * process halts. nodeId is leased in Redis for as long as the process runs (NodeIdLease):
     * nodeIdPolicy ({@code refuse} or {@code next-free}) says what a process does when another live
     * one holds it, nodeLeaseMs how long a lease lasts without renewal.
     */
    public record Server(String name, String host, int grpcPort, int httpPort, int nodeId, List<String> roles,
            long shutdownTimeoutMs, String nodeIdPolicy, long nodeLeaseMs) {
        /** The shipped node-id-policy (srv.yaml). */
        public static final String DEFAULT_NODE_ID_POLICY = "next-free";
        /** The shipped node-lease-ms (srv.yaml). */
        public static final long DEFAULT_NODE_LEASE_MS = 10_000;

        /** With the shipped node-id policy and lease time (tests that build a configuration by hand). */
        public Server(String name, String host, int grpcPort, int httpPort, int nodeId, List<String> roles,
                long shutdownTimeoutMs) {
            this(name, host, grpcPort, httpPort, nodeId, roles, shutdownTimeoutMs, DEFAULT_NODE_ID_POLICY,
                    DEFAULT_NODE_LEASE_MS);
        }

        /** True when another holder of node-id makes this process take the lowest free id instead of refusing. */
        public boolean takesNextFreeNodeId() {
            return "next-free".equals(nodeIdPolicy);
        }

        /** The roles this process runs, typed (unmodifiable); the names must have passed validation. */
        public Set<Role> roleSet() {
            EnumSet<Role> set = EnumSet.noneOf(Role.class);
            if (roles != null) {
                roles.forEach(key -> set.add(Role.of(key)));
            }
            return Collections.unmodifiableSet(set);
        }
    }

    /** The parts a process can run (server.roles). */
    public enum Role {
        /** The gRPC server: admission, the grab, the transactional send, wallet and Saga branch RPCs. */
        INGRESS,
        /** The materializer (CouponGrabbed -> user_coupons), the wallet expiry jobs and periodic reconciliation. */
        TOPOLOGY,
        /** The admin REST API (metrics and health are served by every process). */
        ADMIN;

        /** The role's name in server.roles. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The role named {@code key} in server.roles; IllegalArgumentException for any other name. */
        public static Role of(String key) {
            for (Role r : values()) {
                if (r.key().equals(key)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("no role '" + key + "'");
        }
    }

    /**
     * OpenTelemetry tracing. Off (no-op, nothing recorded) while otlpEndpoint is empty; else spans go
     * by OTLP/gRPC to that endpoint, sampleRatio of new traces kept.
     */
    public record Tracing(String otlpEndpoint, double sampleRatio) {
        public boolean enabled() {
            return otlpEndpoint != null && !otlpEndpoint.isBlank();
        }
    }

    /** The MySQL (MariaDB in dev) holding templates, activities and wallets. */
    public record Mysql(String host, int port, String database, String username, String password,
            int maxOpenConnections, boolean migrate) {
        public String jdbcUrl() {
            return "jdbc:mysql://" + host + ":" + port + "/" + database
                    + "?rewriteBatchedStatements=true&useSSL=false&allowPublicKeyRetrieval=true"
                    + "&connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true";
        }
    }

    /**
     * The Redis holding live sales. durability = how a write is made durable before anything
     * acknowledges it (names checked by {@link ConfigValidator}, typed by {@link #durabilityMode()});
     * durabilityReplicas = replicas that must hold a write too (WAITAOF numreplicas, or WAIT);
     * durabilityTimeoutMs = longest such a wait may take before the outcome counts as unknown.
     */
    public record Redis(String host, int port, String password, int database, int timeoutMs, String durability,
            int durabilityReplicas, int durabilityTimeoutMs, List<String> clusterNodes) {
        public Redis {
            clusterNodes = clusterNodes == null ? List.of() : List.copyOf(clusterNodes);
        }

        /** Plain connection settings with the shipped durability defaults (auto, no replicas, 2 s). */
        public Redis(String host, int port, String password, int database, int timeoutMs) {
            this(host, port, password, database, timeoutMs, Durability.AUTO.key(), 0, 2_000);
        }

        /** A single Redis (no cluster). */
        public Redis(String host, int port, String password, int database, int timeoutMs, String durability,
                int durabilityReplicas, int durabilityTimeoutMs) {
            this(host, port, password, database, timeoutMs, durability, durabilityReplicas, durabilityTimeoutMs,
                    List.of());
        }

        /** Whether redis.cluster-nodes names a Redis Cluster (then host, port and database are not used). */
        public boolean cluster() {
            return !clusterNodes.isEmpty();
        }

        /** Where the sale keys live, for messages: host:port, or the cluster's seed nodes. */
        public String where() {
            return cluster() ? "cluster " + String.join(",", clusterNodes) : host + ":" + port;
        }

        public String uri() {
            String auth = password == null || password.isEmpty() ? "" : ":" + password + "@";
            return "redis://" + auth + host + ":" + port + "/" + database;
        }

        /** redis.durability, typed; the name must have passed validation. */
        public Durability durabilityMode() {
            return Durability.of(durability);
        }
    }

    /**
     * redis.durability: how the service makes sure Redis has a write on disk before it acknowledges
     * it. AUTO = FSYNC_ALWAYS when the server runs appendfsync always and no replicas are asked for,
     * else WAITAOF on Redis 7.2+ with AOF on, else the start is refused; WAITAOF = every acknowledging
     * call is followed by WAITAOF (7.2+, AOF on); FSYNC_ALWAYS = the server runs appendonly yes with
     * appendfsync always, so it fsyncs before it answers.
     */
    public enum Durability {
        AUTO("auto"), WAITAOF("waitaof"), FSYNC_ALWAYS("fsync-always");

        private final String key;

        Durability(String key) {
            this.key = key;
        }

        /** The name in redis.durability. */
        public String key() {
            return key;
        }

        /** The mode named {@code key}; IllegalArgumentException for any other name. */
        public static Durability of(String key) {
            for (Durability d : values()) {
                if (d.key.equals(key)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("no durability '" + key + "'");
        }
    }

    /**
     * The broker. embedded = start name server + broker in this process; else use nameservers.
     * provisionTopics = create the service's missing topics and consumer groups at start (an existing
     * group's settings are left alone); false = create nothing and refuse the start naming a topic the
     * name server does not route. accessKey / secretKey = the broker's ACL credentials (both or neither),
     * signed into every request of the service's clients and of the provisioning. toString never shows
     * the secret. queues = per topic of {@link Registry#TOPICS}, the read and write queue count the
     * provisioning gives it on each master broker that does not hold it yet (null = Registry's counts).
     */
    public record Rocketmq(boolean embedded, String embeddedHome, int namesrvPort, int brokerPort,
            List<String> nameservers, int sendTimeoutMs, boolean provisionTopics, String accessKey,
            String secretKey, Map<String, Integer> queues, int minMasters) {
        public Rocketmq {
            accessKey = accessKey == null ? "" : accessKey;
            secretKey = secretKey == null ? "" : secretKey;
            queues = queues == null ? Registry.defaultQueues() : Collections.unmodifiableMap(new TreeMap<>(queues));
        }

        /** Provisioning waits for one master broker (the srv.yaml default of rocketmq.min-masters). */
        public Rocketmq(boolean embedded, String embeddedHome, int namesrvPort, int brokerPort,
                List<String> nameservers, int sendTimeoutMs, boolean provisionTopics, String accessKey,
                String secretKey, Map<String, Integer> queues) {
            this(embedded, embeddedHome, namesrvPort, brokerPort, nameservers, sendTimeoutMs, provisionTopics,
                    accessKey, secretKey, queues, 1);
        }

        /** Registry's queue counts. */
        public Rocketmq(boolean embedded, String embeddedHome, int namesrvPort, int brokerPort,
                List<String> nameservers, int sendTimeoutMs, boolean provisionTopics, String accessKey,
                String secretKey) {
            this(embedded, embeddedHome, namesrvPort, brokerPort, nameservers, sendTimeoutMs, provisionTopics,
                    accessKey, secretKey, null);
        }

        /** Provisioning on, no ACL credentials, Registry's queue counts (the srv.yaml defaults of those keys). */
        public Rocketmq(boolean embedded, String embeddedHome, int namesrvPort, int brokerPort,
                List<String> nameservers, int sendTimeoutMs) {
            this(embedded, embeddedHome, namesrvPort, brokerPort, nameservers, sendTimeoutMs, true, "", "");
        }

        /** The service's topics with the queue counts of {@link #queues} (validated to name each of them). */
        public List<Registry.TopicSpec> topics() {
            return Registry.topics(queues);
        }

        public String namesrvAddr() {
            return embedded ? "127.0.0.1:" + namesrvPort : String.join(";", nameservers);
        }

        /** Both ACL keys set (the validator refuses one without the other). */
        public boolean hasCredentials() {
            return !accessKey.isEmpty() && !secretKey.isEmpty();
        }

        @Override
        public String toString() {
            return "Rocketmq[embedded=" + embedded + ", embeddedHome=" + embeddedHome + ", namesrvPort=" + namesrvPort
                    + ", brokerPort=" + brokerPort + ", nameservers=" + nameservers + ", sendTimeoutMs="
                    + sendTimeoutMs + ", provisionTopics=" + provisionTopics + ", accessKey="
                    + (accessKey.isEmpty() ? "none" : accessKey) + ", secretKey="
                    + (secretKey.isEmpty() ? "none" : "hidden") + ", queues=" + queues + "]";
        }
    }

    /** Business rules and tuning. */
    public record Business(Flashsale flashsale, Sink sink, Reconcile reconcile, Wallet wallet, Reads reads) {

        /** With the shopper reads' defaults of srv.yaml ({@link Reads#DEFAULTS}). */
        public Business(Flashsale flashsale, Sink sink, Reconcile reconcile, Wallet wallet) {
            this(flashsale, sink, reconcile, wallet, Reads.DEFAULTS);
        }
    }

    /**
     * The shopper reads (docs/architecture.md, "Reads at crowd scale"). statusCacheMs: a sale's remaining
     * and granted figures are read from Redis at most once per this period per instance and activity;
     * walletCacheMs / walletCacheSize: a user's wallet lives this long (and at most this many wallets) in
     * an instance's memory unless a change of the user's coupons drops it sooner. The RPCs run on bounded
     * executors per class, shed with RESOURCE_EXHAUSTED when full: reads (status, templates, wallets,
     * discounts), the Saga branches, and the operator-ish RPCs (StartFlashSale, template writes).
     */
    public record Reads(int statusCacheMs, int walletCacheMs, int walletCacheSize, int readThreads, int readQueue,
            int sagaThreads, int sagaQueue, int adminThreads, int adminQueue) {
        /** The values srv.yaml ships. */
        public static final Reads DEFAULTS = new Reads(200, 30_000, 100_000, 16, 512, 8, 128, 2, 32);
    }

    /**
     * Flash-sale admission and grab execution. maxQpsPerIp 0 = no per-IP limit. Group commit:
     * grabBatchMax grabs at most per grab script call, grabBatchesInFlight calls of one sale at once;
     * the publication relay looks every publishRelayMs for outbox entries older than publishStaleMs.
     */
    public record Flashsale(int grabThreads, int grabQueue, int activityCacheMs, int maxQpsPerUser, int maxQpsPerIp,
            int soldOutRecheckMs, int warmupGrabs, int grabBatchMax, int grabBatchesInFlight, int publishRelayMs,
            int publishStaleMs) {}

    /** The batched MySQL writer behind the materializer. */
    public record Sink(int batchSize, int flushIntervalMs) {}

    /**
     * Reconciliation of live sales (docs/operations.md). enabled = run it periodically in
     * this process (on-demand runs through the admin API work either way); a grant without a row is
     * re-published once it is older than graceMs; intervalMs is the pause between periodic runs.
     * settledRecheckMs: a periodic run skips a sale whose figures (status, total, remaining, ledger
     * size, rows) are those of its last complete run, for at most this long; then it compares in full
     * again. On-demand runs always compare in full.
     * fenceIntervalMs: pause between fence checks of every live sale on the topology role (0 = no
     * checks, no leases); fenceLeaseMs: how long a sale verified by a check may sell before the next
     * one (grab.lua refuses it after that: a Redis restored from an older copy sells nothing unchecked);
     * healSettleMs: how long a heal waits for no new row before it lifts the fence (core/reconcile/SaleFence).
     */
    public record Reconcile(boolean enabled, long graceMs, long intervalMs, long settledRecheckMs, long fenceIntervalMs,
            long fenceLeaseMs, long healSettleMs) {

        /** The fence defaults of srv.yaml (500 ms checks, 5 s leases, 2 s settle). */
        public Reconcile(boolean enabled, long graceMs, long intervalMs, long settledRecheckMs) {
            this(enabled, graceMs, intervalMs, settledRecheckMs, 500, 5_000, 2_000);
        }
    }

    /**
     * Who may call the admin REST API: bearer tokens with role read (GET routes) or operate
     * (everything, including every mutating route and /api/v1/dtm/). allowDevToken = accept
     * {@link ConfigValidator#DEV_TOKEN}, the token shipped in srv.yaml for the single-machine default;
     * a production configuration sets it false and brings its own tokens. toString never shows a token.
     *
     * <p>readTokenNames / operateTokenNames name the tokens at the same positions (the audit log's
     * actor); empty = each token is named by its role and 1-based position ("read-1", "operate-2"),
     * so a plain token list keeps working. A name is what is logged and stored, never the token.
     */
    public record Admin(List<String> readTokens, List<String> operateTokens, boolean allowDevToken,
            List<String> readTokenNames, List<String> operateTokenNames) {
        public Admin {
            readTokens = readTokens == null ? List.of() : List.copyOf(readTokens);
            operateTokens = operateTokens == null ? List.of() : List.copyOf(operateTokens);
            readTokenNames = readTokenNames == null ? List.of() : copyAllowingNulls(readTokenNames);
            operateTokenNames = operateTokenNames == null ? List.of() : copyAllowingNulls(operateTokenNames);
        }

        /** Unnamed tokens: each is named by role and position. */
        public Admin(List<String> readTokens, List<String> operateTokens, boolean allowDevToken) {
            this(readTokens, operateTokens, allowDevToken, List.of(), List.of());
        }

        /** The name of read token {@code index}: its configured name, else "read-" + (index + 1). */
        public String readTokenName(int index) {
            return name(readTokenNames, "read-", index);
        }

        /** The name of operate token {@code index}: its configured name, else "operate-" + (index + 1). */
        public String operateTokenName(int index) {
            return name(operateTokenNames, "operate-", index);
        }

        private static String name(List<String> names, String prefix, int index) {
            return names.isEmpty() ? prefix + (index + 1) : names.get(index);
        }

        private static List<String> copyAllowingNulls(List<String> names) {
            return java.util.Collections.unmodifiableList(new java.util.ArrayList<>(names));
        }

        @Override
        public String toString() {
            return "Admin[readTokens=" + readTokens.size() + " token(s), operateTokens=" + operateTokens.size()
                    + " token(s), allowDevToken=" + allowDevToken + ", readTokenNames=" + readTokenNames
                    + ", operateTokenNames=" + operateTokenNames + "]";
        }
    }

    /**
     * The DTM Saga branches (lock, unlock, use, revert; HTTP and gRPC). branchToken = the secret of
     * the per-Saga credential DTM sends with every branch call (each Saga's branch_headers carry
     * "authorization: Bearer &lt;hex HMAC-SHA256(branchToken, gid)&gt;", BranchCredential); a branch
     * call without its Saga's value is refused (401 / UNAUTHENTICATED). Only the service and the Saga
     * submitters hold it: it is none of the admin tokens. toString never shows it.
     */
    public record Saga(String branchToken) {
        @Override
        public String toString() {
            return "Saga[branchToken=" + (branchToken == null ? "missing" : "hidden") + "]";
        }
    }

    /**
     * The L1 (Caffeine, per process) -> L2 (Redis) -> L3 (MySQL) caches of templates and activities.
     * l1MaxSize / templateL1TtlMs bound the per-process template entries (activities live
     * business.flashsale.activity-cache-ms in L1); negativeMaxSize / negativeTtlMs bound the ids found
     * nowhere; l2TtlMs is how long a filled Redis entry lives; secondDeleteMs is when an invalidation
     * is repeated, so a read that raced it cannot leave a stale copy behind.
     */
    public record Cache(int l1MaxSize, int templateL1TtlMs, int negativeMaxSize, int negativeTtlMs, int l2TtlMs,
            int secondDeleteMs, String redisUri) {
        public Cache {
            redisUri = redisUri == null ? "" : redisUri;
        }

        /** L2 on the sale Redis. */
        public Cache(int l1MaxSize, int templateL1TtlMs, int negativeMaxSize, int negativeTtlMs, int l2TtlMs,
                int secondDeleteMs) {
            this(l1MaxSize, templateL1TtlMs, negativeMaxSize, negativeTtlMs, l2TtlMs, secondDeleteMs, "");
        }

        /** Whether L2 lives on a Redis of its own (cache.redis-uri) rather than on the sale Redis. */
        public boolean ownRedis() {
            return !redisUri.isBlank();
        }
    }

    /** Change data capture of the coupon tables (Canal flat messages on coupon-binlog-topic). */
    public record Cdc(Embedded embedded) {}

    /**
     * The binlog reader inside this process (Debezium embedded on the MariaDB binlog): off in
     * production, where a Canal server feeds the topic. serverId 0 = 184000 + the leased node id (each
     * reader needs its own replication id); stateDir keeps the offsets and schema history across
     * restarts; tables are read in mysql.database.
     */
    public record Embedded(boolean enabled, long serverId, String stateDir, List<String> tables, int pollIntervalMs) {
        public long effectiveServerId(int nodeId) {
            return serverId != 0 ? serverId : 184_000 + nodeId;
        }
    }

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
