package io.flashcoupon.core.redis;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ServiceConfig;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rule "nothing is acknowledged before Redis has it on disk" for one process. Redis is the only
 * record of a grant until its row lands, so a grant (and a check-back's answer, a sale's start,
 * status change, restock or cleanup) may be acknowledged only once Redis has made it durable. The
 * way is chosen once at start from redis.durability and what the server says about itself (INFO,
 * CONFIG GET appendonly / appendfsync); auto takes FSYNC_ALWAYS when the server already fsyncs
 * always and no replicas are asked for, else WAITAOF where there is one, else refuses:
 * <ul>
 * <li>{@link Mode#WAITAOF} (Redis 7.2+, AOF on): every acknowledging call is followed, on the same
 * connection, by WAITAOF 1 &lt;replicas&gt; &lt;timeout&gt;; fewer acks than asked, a timeout or an
 * error means the outcome is unknown, never acknowledged.
 * <li>{@link Mode#FSYNC_ALWAYS}: the server runs appendonly yes + appendfsync always, so it fsyncs
 * the AOF before it writes the replies of an event-loop turn: every answer is already durable,
 * nothing is added to a call. With replicas configured, WAIT &lt;replicas&gt; follows (a replica
 * acknowledges receipt, not its own fsync).
 * </ul>
 * WAITAOF and WAIT wait for their connection's last write, and block that connection until they
 * return. So the waits run on a connection of their own, in rounds ({@link GroupConfirm}): a round
 * increments a marker key, which moves that connection's offset past every write Redis made before
 * (also writes of other connections, and answers that wrote nothing themselves: a retry's earlier
 * grant, a check-back that finds the grant, a no-op operator change), then waits; every answer
 * received before the round started is confirmed by it, and answers arriving meanwhile share the
 * next round. A Redis that can give no mode refuses the start
 * with one line naming the setting and how to fix it; the service never changes the server's
 * configuration itself. Known gap: the WAITAOF path could not be run against the Debian Redis (7.0)
 * of dev and CI; see docs/performance.md "Durability" for what was run on a 7.2 build.
 */
public final class RedisDurability implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisDurability.class);
    private static final ProtocolKeyword WAITAOF = new ProtocolKeyword() {
        private final byte[] bytes = "WAITAOF".getBytes(StandardCharsets.US_ASCII);

        @Override
        public byte[] getBytes() {
            return bytes;
        }

        @Override
        public String toString() {
            return "WAITAOF";
        }
    };

    /** How this process makes a write durable before acknowledging it. */
    public enum Mode {
        WAITAOF("waitaof"), FSYNC_ALWAYS("fsync_always");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        /** The value of the mode label of coupon_redis_durability_mode. */
        public String label() {
            return label;
        }
    }

    /**
     * What Redis says about itself at start. aofEnabled and appendfsync are null when unknown;
     * configRefusal is Redis's answer to CONFIG GET when it refused it (managed Redis), else null.
     */
    public record ServerFacts(String version, boolean replica, int connectedReplicas, Boolean aofEnabled,
            String appendfsync, String configRefusal, boolean noFsyncOnRewrite, String maxmemoryPolicy) {

        /** Facts of a server that never evicts (maxmemory-policy noeviction, the Redis default). */
        public ServerFacts(String version, boolean replica, int connectedReplicas, Boolean aofEnabled,
                String appendfsync, String configRefusal, boolean noFsyncOnRewrite) {
            this(version, replica, connectedReplicas, aofEnabled, appendfsync, configRefusal, noFsyncOnRewrite,
                    NO_EVICTION);
        }

        /** Facts of a server that keeps fsyncing while it rewrites (no-appendfsync-on-rewrite no, the default). */
        public ServerFacts(String version, boolean replica, int connectedReplicas, Boolean aofEnabled,
                String appendfsync, String configRefusal) {
            this(version, replica, connectedReplicas, aofEnabled, appendfsync, configRefusal, false);
        }
    }

    /** The one maxmemory-policy under which Redis never deletes a key to make room. */
    static final String NO_EVICTION = "noeviction";

    /** The mode chosen at start and why, in words for the log. */
    public record Choice(Mode mode, String why) {}

    private final Mode mode;
    private final int replicas;
    private final long timeoutMs;
    private final Counter failures;
    /** The rounds of each master the service writes to; null when nothing is waited for. */
    private final MasterWaits waits;

    private RedisDurability(Mode mode, int replicas, long timeoutMs, Counter failures, RedisAccess access,
            Function<RedisAccess.Node, CompletionStage<StatefulRedisConnection<String, String>>> openWaits) {
        this.mode = mode;
        this.replicas = replicas;
        this.timeoutMs = timeoutMs;
        this.failures = failures;
        this.waits = access == null ? null : new MasterWaits(access, openWaits, this::round);
    }

    /**
     * For tools and tests on a Redis known to run appendfsync always: adds nothing to a call. The
     * service itself always goes through {@link #start}.
     */
    public static RedisDurability serverFsyncs() {
        return new RedisDurability(Mode.FSYNC_ALWAYS, 0, 0, null, null, null);
    }

    /**
     * Reads what the server says about itself on {@code connection}, chooses the mode for
     * {@code config}; where the mode waits, opens the waits' own connection ({@code openWaits}, closed
     * by {@link #close}) and proves it with one round. Logs the choice and registers
     * coupon_redis_durability_mode{mode} = 1 and coupon_redis_durability_failures_total on
     * {@code metrics}. Throws ConfigException (one line: what to set, and how) when the server cannot
     * give what {@code config} asks for.
     */
    public static RedisDurability start(RedisAccess access,
            Function<RedisAccess.Node, CompletionStage<StatefulRedisConnection<String, String>>> openWaits,
            ServiceConfig.Redis config,
            MeterRegistry metrics) {
        String where = config.where();
        ServerFacts facts = null;
        Choice choice = null;
        for (RedisAccess.Node master : access.masters()) {
            String at = access.cluster() ? "master " + master.address() + " of " + where : where;
            ServerFacts f = read(master.sync());
            requireNoEviction(f, at);
            Choice c = choose(config.durabilityMode(), config.durabilityReplicas(), f, at);
            if (choice != null && c.mode() != choice.mode()) {
                throw new ConfigException("redis.durability is " + config.durability() + ": the masters of " + where
                        + " differ (" + choice.mode().label() + " on one, " + c.mode().label() + " on " + at
                        + "): give every master the same version and AOF settings");
            }
            facts = facts == null ? f : facts;
            choice = choice == null ? c : choice;
        }
        if (choice == null) {
            throw new ConfigException("Redis at " + where + " lists no master serving any slot");
        }
        for (RedisAccess.Node replica : access.replicas()) {
            checkReplica(read(replica.sync()), noFailover(replica), choice.mode(), config, "replica " + replica.address()
                    + " of " + where);
        }
        Counter failures = Counter.builder("coupon.redis.durability.failures")
                .description("Acknowledging Redis calls whose WAITAOF/WAIT fell short (answered as outcome unknown)")
                .register(metrics);
        boolean waits = choice.mode() == Mode.WAITAOF || config.durabilityReplicas() > 0;
        RedisDurability d = new RedisDurability(choice.mode(), config.durabilityReplicas(),
                config.durabilityTimeoutMs(), failures, waits ? access : null, openWaits);
        if (d.waits()) {
            try {
                d.confirmEveryMaster().get(config.timeoutMs(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                d.close();
                throw new ConfigException("redis.durability " + choice.mode().label() + ": the first durable write"
                        + " to Redis at " + where + " was not confirmed: " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                d.close();
                throw new ConfigException("redis.durability " + choice.mode().label() + ": Redis at " + where
                        + " did not answer the first WAITAOF/WAIT within redis.timeout-ms (" + config.timeoutMs()
                        + " ms)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted checking Redis durability", e);
            }
        }
        Gauge.builder("coupon.redis.durability.mode", () -> 1)
                .description("How this process makes a Redis write durable before acknowledging it (value 1)")
                .tag("mode", choice.mode().label())
                .register(metrics);
        log.info("redis durability: {} ({}); Redis {} at {}{}, appendonly {}, appendfsync {}, replicas required {}{}",
                choice.mode().label(), choice.why(), facts.version(), where,
                access.cluster() ? " (" + access.masters().size() + " masters, each checked)" : "",
                facts.aofEnabled() == null ? "unknown" : facts.aofEnabled() ? "yes" : "no",
                facts.appendfsync() == null ? "unknown" : facts.appendfsync(), config.durabilityReplicas(),
                d.waits() ? ", wait timeout " + config.durabilityTimeoutMs() + " ms" : "");
        return d;
    }

    public Mode mode() {
        return mode;
    }

    /** Whether an acknowledging call is followed by WAITAOF or WAIT (else the server's fsync suffices). */
    public boolean waits() {
        return waits != null;
    }

    /**
     * {@code value} once every write master {@code target} had made when it gave the answer
     * {@code value} stands for is durable: call it after the answer arrived, with the target the call
     * ran on and a key of the call. Completes exceptionally with {@link NotDurableException} when that
     * is not confirmed in time, or when {@code key}'s slot is no longer served by that master (a
     * failover or resharding while the call ran): the caller must treat the outcome as unknown and
     * acknowledge nothing. Immediate in FSYNC_ALWAYS mode without replicas (the server that answered
     * fsynced before it answered).
     */
    public <T> CompletionStage<T> confirm(RedisAccess.Target target, String key, T value) {
        if (waits == null) {
            return CompletableFuture.completedFuture(value);
        }
        CompletableFuture<Void> round;
        try {
            String now = waits.masterIdOf(key);
            if (!now.equals(target.nodeId())) {
                throw new NotDurableException("the slot of " + key + " moved from Redis node " + target.nodeId()
                        + " to " + now + " while the call ran: outcome unknown");
            }
            round = waits.confirm(target.nodeId());
        } catch (RuntimeException e) {
            round = CompletableFuture.failedFuture(e);
        }
        return round.handle((ok, error) -> {
            if (error == null) {
                return value;
            }
            if (failures != null) {
                failures.increment();
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            throw cause instanceof NotDurableException n ? n
                    : new NotDurableException(mode.label() + " confirmation failed, outcome unknown: " + cause);
        });
    }

    /** One round on every master, as at start: proves each master's waits work. */
    private CompletableFuture<Void> confirmEveryMaster() {
        return CompletableFuture.allOf(waits.confirmEach().toArray(CompletableFuture[]::new));
    }

    /**
     * One round on a master's waits connection: the write of {@code marker} (a key that master
     * serves), then WAITAOF or WAIT, sent back to back (Redis runs them in order, so the wait covers the
     * marker); bounded on the client too, in case Redis never answers.
     */
    private CompletionStage<Void> round(StatefulRedisConnection<String, String> waits, String marker) {
        RedisAsyncCommands<String, String> redis = waits.async();
        CompletionStage<Long> mark = redis.incr(marker);
        CompletionStage<String> shortfall;
        if (mode == Mode.WAITAOF) {
            CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add(1).add(replicas).add(timeoutMs);
            shortfall = redis.dispatch(WAITAOF, new NestedMultiOutput<>(StringCodec.UTF8), args)
                    .thenApply(reply -> waitAofShortfall(reply, replicas, timeoutMs));
        } else {
            shortfall = redis.waitForReplication(replicas, timeoutMs)
                    .thenApply(acked -> waitShortfall(acked, replicas, timeoutMs));
        }
        return mark.thenCombine(shortfall, (m, missing) -> missing).toCompletableFuture()
                .orTimeout(timeoutMs + 1_000, TimeUnit.MILLISECONDS)
                .handle((missing, error) -> {
                    if (error == null && missing == null) {
                        return null;
                    }
                    if (missing != null) {
                        throw NotDurableException.shortfall(missing);
                    }
                    throw new NotDurableException(mode.label()
                            + " did not return (" + (error instanceof TimeoutException ? "no answer within "
                                    + (timeoutMs + 1_000) + " ms" : error.getMessage()) + "), outcome unknown");
                });
    }

    /** Closes the waits' connections, if any. */
    @Override
    public void close() {
        if (waits != null) {
            waits.close();
        }
    }

    /**
     * A cluster replica may be promoted by an automatic failover and then answer as the master, so it
     * must keep writes as a master would (AOF as the mode needs, noeviction); and with
     * redis.durability-replicas 0 nothing it has not received yet (acknowledged grants too) would
     * survive its promotion, so that is refused unless the replica never fails over
     * ({@code noFailover}: cluster-replica-no-failover yes).
     */
    static void checkReplica(ServerFacts f, boolean noFailover, Mode mode, ServiceConfig.Redis config, String at) {
        requireNoEviction(f, at);
        String prefix = "redis.durability is " + config.durability() + ": ";
        String redis = "Redis " + f.version() + " at " + at;
        if (mode == Mode.WAITAOF) {
            requireAofForWaitAof(prefix, redis, f);
        } else {
            fsyncAlways(config.durabilityMode() == ServiceConfig.Durability.FSYNC_ALWAYS
                    ? ServiceConfig.Durability.FSYNC_ALWAYS : ServiceConfig.Durability.AUTO, prefix, redis, f,
                    "a failover may promote it");
        }
        if (config.durabilityReplicas() == 0 && !noFailover) {
            throw new ConfigException("redis.durability-replicas is 0 but " + redis + " may be promoted by an automatic"
                    + " failover, which loses every write it had not received yet, acknowledged grants too: set"
                    + " redis.durability-replicas to 1 (every acknowledged write then waits until a replica has it),"
                    + " or cluster-replica-no-failover yes on the replicas");
        }
    }

    /** Whether the replica runs cluster-replica-no-failover yes (false when it cannot say). */
    private static boolean noFailover(RedisAccess.Node replica) {
        try {
            return "yes".equals(replica.sync().configGet("cluster-replica-no-failover").get("cluster-replica-no-failover"));
        } catch (RedisCommandExecutionException e) {
            return false;
        }
    }

    /**
     * Refuses a sale Redis that may evict keys: under memory pressure any maxmemory-policy other than
     * noeviction may delete a sale's stock, ledger or per-user counts, and with them acknowledged grants.
     */
    static void requireNoEviction(ServerFacts f, String where) {
        if (f.maxmemoryPolicy() != null && !NO_EVICTION.equals(f.maxmemoryPolicy())) {
            throw new ConfigException("Redis " + f.version() + " at " + where + " runs maxmemory-policy "
                    + f.maxmemoryPolicy() + ", which may evict a sale's keys (stock, ledger, per-user counts) and"
                    + " with them acknowledged grants: set maxmemory-policy noeviction on the sale Redis (CONFIG SET"
                    + " maxmemory-policy noeviction, CONFIG REWRITE); an evicting cache belongs on a Redis of its own"
                    + " (cache.redis-uri)");
        }
    }

    /**
     * Chooses the mode for {@code setting}, or throws ConfigException naming what the server lacks and
     * how to fix it. Pure: every answer is testable without a server.
     */
    static Choice choose(ServiceConfig.Durability setting, int replicas, ServerFacts f, String where) {
        String redis = "Redis " + f.version() + " at " + where;
        String prefix = "redis.durability is " + setting.key() + ": ";
        if (f.replica()) {
            throw new ConfigException(prefix + redis + " is a replica: point redis.host/port at the primary");
        }
        if (f.connectedReplicas() < replicas) {
            throw new ConfigException(prefix + redis + " has " + f.connectedReplicas()
                    + " connected replica(s) but redis.durability-replicas asks for " + replicas
                    + ": attach the replicas or lower redis.durability-replicas");
        }
        boolean hasWaitAof = supportsWaitAof(f.version());
        switch (setting) {
            case WAITAOF -> {
                if (!hasWaitAof) {
                    throw new ConfigException(prefix + redis + " has no WAITAOF (Redis 7.2+): upgrade Redis, or set"
                            + " redis.durability to fsync-always with appendfsync always on the server");
                }
                requireAofForWaitAof(prefix, redis, f);
                return new Choice(Mode.WAITAOF, "redis.durability waitaof");
            }
            case AUTO -> {
                // A server that fsyncs before it replies needs nothing added: WAITAOF would cost a round
                // trip per answer (and on 7.2.x up to 100 ms, see docs/performance.md) for no gain.
                if (replicas == 0 && Boolean.TRUE.equals(f.aofEnabled()) && "always".equals(f.appendfsync())
                        && !f.noFsyncOnRewrite()) {
                    return new Choice(Mode.FSYNC_ALWAYS, "auto: the server runs appendonly yes, appendfsync always");
                }
                if (hasWaitAof && Boolean.TRUE.equals(f.aofEnabled()) && !"no".equals(f.appendfsync())) {
                    return new Choice(Mode.WAITAOF, "auto: Redis " + f.version() + " has WAITAOF and the AOF is on"
                            + (replicas > 0 ? ", and " + replicas + " replica(s) must hold each write" : ""));
                }
                String why = !hasWaitAof ? "auto: Redis " + f.version() + " has no WAITAOF (7.2+)"
                        : Boolean.TRUE.equals(f.aofEnabled()) ? "auto: appendfsync no rules out WAITAOF"
                                : "auto: the AOF is off, which rules out WAITAOF";
                return fsyncAlways(setting, prefix, redis, f, why);
            }
            case FSYNC_ALWAYS -> {
                return fsyncAlways(setting, prefix, redis, f, "redis.durability fsync-always");
            }
            default -> throw new IllegalArgumentException("unknown durability setting " + setting);
        }
    }

    private static void requireAofForWaitAof(String prefix, String redis, ServerFacts f) {
        if (Boolean.FALSE.equals(f.aofEnabled())) {
            throw new ConfigException(prefix + redis + " runs appendonly no, so WAITAOF has no file to wait for:"
                    + " set appendonly yes (redis.conf, or CONFIG SET appendonly yes then CONFIG REWRITE)");
        }
        if ("no".equals(f.appendfsync())) {
            throw new ConfigException(prefix + redis + " runs appendfsync no, so WAITAOF would wait for an fsync"
                    + " that never comes: set appendfsync always or everysec (CONFIG SET appendfsync always then"
                    + " CONFIG REWRITE)");
        }
    }

    private static Choice fsyncAlways(ServiceConfig.Durability setting, String prefix, String redis, ServerFacts f,
            String why) {
        String fix = "set appendonly yes and appendfsync always (redis.conf, or CONFIG SET appendonly yes,"
                + " CONFIG SET appendfsync always, CONFIG REWRITE)"
                + (supportsWaitAof(f.version()) ? "" : ", or use Redis 7.2+ for WAITAOF");
        if (f.configRefusal() != null) {
            if (setting == ServiceConfig.Durability.FSYNC_ALWAYS) {
                log.warn("redis durability: CONFIG GET was refused by {} ({}); appendfsync always is taken on"
                        + " redis.durability fsync-always's word", redis, f.configRefusal());
                return new Choice(Mode.FSYNC_ALWAYS, why + ", taken on trust: CONFIG GET refused");
            }
            throw new ConfigException(prefix + redis + " refused CONFIG GET (" + f.configRefusal() + "; managed"
                    + " Redis often disables or renames CONFIG), so appendfsync cannot be checked (" + why + "): if"
                    + " the server runs appendonly yes with appendfsync always, set redis.durability to fsync-always"
                    + " to start on its word");
        }
        if (!Boolean.TRUE.equals(f.aofEnabled())) {
            throw new ConfigException(prefix + redis + " runs appendonly no, so a grant would live only in memory ("
                    + why + "): " + fix);
        }
        if (!"always".equals(f.appendfsync())) {
            throw new ConfigException(prefix + redis + " runs appendfsync " + f.appendfsync() + ", so a grant"
                    + " acknowledged before the next fsync is lost if the host crashes (" + why + "): " + fix);
        }
        if (f.noFsyncOnRewrite()) {
            throw new ConfigException(prefix + redis + " runs no-appendfsync-on-rewrite yes, so while it rewrites"
                    + " the AOF or saves a snapshot it answers without fsyncing and a grant acknowledged then is lost if"
                    + " the host crashes (" + why + "): set no-appendfsync-on-rewrite no (CONFIG SET"
                    + " no-appendfsync-on-rewrite no, CONFIG REWRITE)");
        }
        return new Choice(Mode.FSYNC_ALWAYS, why + "; the server runs appendonly yes, appendfsync always");
    }

    /** Whether Redis {@code version} ("7.2.4", "7.0.15", "8.0-m02") has WAITAOF: 7.2 and later. */
    static boolean supportsWaitAof(String version) {
        int[] v = parseVersion(version);
        return v[0] > 7 || v[0] == 7 && v[1] >= 2;
    }

    /** Major and minor of a Redis version string; [0, 0] when it cannot be read (so: no WAITAOF). */
    static int[] parseVersion(String version) {
        if (version == null) {
            return new int[] {0, 0};
        }
        String[] parts = version.trim().split("[.-]");
        try {
            return new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0};
        } catch (NumberFormatException e) {
            return new int[] {0, 0};
        }
    }

    /**
     * Null when a WAITAOF reply [local, replicas] confirms the write on the local AOF and on at least
     * {@code replicas} replicas' AOFs; else why not, for the caller's "outcome unknown".
     */
    static String waitAofShortfall(List<Object> reply, int replicas, long timeoutMs) {
        if (reply == null || reply.size() != 2 || !(reply.get(0) instanceof Long local)
                || !(reply.get(1) instanceof Long remote)) {
            return "WAITAOF answered " + reply + ", not [local, replicas]: outcome unknown";
        }
        if (local < 1 || remote < replicas) {
            return "Redis did not confirm the write on disk within " + timeoutMs + " ms (WAITAOF: local AOF "
                    + local + " of 1, replicas " + remote + " of " + replicas + "): outcome unknown";
        }
        return null;
    }

    /** Null when WAIT's count reaches {@code replicas}; else why not. */
    static String waitShortfall(Long acked, int replicas, long timeoutMs) {
        if (acked == null || acked < replicas) {
            return "Redis replicas did not confirm the write within " + timeoutMs + " ms (WAIT: " + acked + " of "
                    + replicas + "): outcome unknown";
        }
        return null;
    }

    /** Version, role, replicas (INFO) and the AOF settings (CONFIG GET, or INFO persistence when refused). */
    static ServerFacts read(RedisClusterCommands<String, String> redis) {
        Map<String, String> server = info(redis.info("server"));
        Map<String, String> replication = info(redis.info("replication"));
        boolean replica = "slave".equals(replication.get("role"));
        int connected = Integer.parseInt(replication.getOrDefault("connected_slaves", "0"));
        try {
            String appendonly = redis.configGet("appendonly").get("appendonly");
            String appendfsync = redis.configGet("appendfsync").get("appendfsync");
            String noFsyncOnRewrite = redis.configGet("no-appendfsync-on-rewrite").get("no-appendfsync-on-rewrite");
            String policy = redis.configGet("maxmemory-policy").get("maxmemory-policy");
            return new ServerFacts(server.get("redis_version"), replica, connected,
                    appendonly == null ? null : "yes".equals(appendonly), appendfsync, null, "yes".equals(noFsyncOnRewrite),
                    policy);
        } catch (RedisCommandExecutionException e) {
            String aof = info(redis.info("persistence")).get("aof_enabled");
            String policy = info(redis.info("memory")).get("maxmemory_policy");
            return new ServerFacts(server.get("redis_version"), replica, connected,
                    aof == null ? null : "1".equals(aof), null, e.getMessage(), false, policy);
        }
    }

    /** "field:value" lines of an INFO section. */
    static Map<String, String> info(String text) {
        Map<String, String> fields = new java.util.HashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }
}
