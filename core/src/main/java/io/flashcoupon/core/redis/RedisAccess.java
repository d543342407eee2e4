package io.flashcoupon.core.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The commands of the sale Redis, one server or a Redis Cluster alike. Key commands and scripts go
 * through {@link #async()} / {@link #sync()}, which a cluster routes to the master of the key's slot
 * (every script's keys share one slot); node-scoped commands (INFO, PING, SCRIPT EXISTS) go to
 * {@link #masterOf} a key or to each of {@link #masters()}.
 */
public interface RedisAccess {

    /**
     * A master; {@code id} is the cluster node id (the connection's name for a single Redis). Its
     * node-scoped commands are opened on first use ({@link #sync}), never by finding the node, so a
     * lookup on an I/O thread cannot block it.
     */
    final class Node {
        private final String id;
        private final String address;
        private final Supplier<RedisClusterCommands<String, String>> sync;

        Node(String id, String address, Supplier<RedisClusterCommands<String, String>> sync) {
            this.id = id;
            this.address = address;
            this.sync = sync;
        }

        public String id() {
            return id;
        }

        public String address() {
            return address;
        }

        /** Blocking commands on this node (may connect to it first: never call on a Redis I/O thread). */
        public RedisClusterCommands<String, String> sync() {
            return sync.get();
        }
    }

    /**
     * Where an acknowledged call runs: a master ({@code nodeId}) and the async commands of that
     * master's own connection, which follow no redirect.
     */
    record Target(String nodeId, RedisClusterAsyncCommands<String, String> async) {}

    RedisClusterAsyncCommands<String, String> async();

    /** The master serving {@code key}'s slot now and its own connection; never blocks (connects asynchronously). */
    CompletionStage<Target> targetOf(String key);

    /** Every replica (none for a single Redis), for the start's checks. */
    List<Node> replicas();

    RedisClusterCommands<String, String> sync();

    /** The master that serves {@code key}'s slot now (topology as last refreshed). */
    Node masterOf(String key);

    /** Every master, in a stable order (by address). */
    List<Node> masters();

    boolean cluster();

    /**
     * SCRIPT LOAD of {@code source} on every master (replicas run no scripts); its SHA1. A master that
     * fails over later serves the script again after an EVAL (LuaScript).
     */
    default String loadScript(String source) {
        String sha = null;
        for (Node master : masters()) {
            sha = master.sync().scriptLoad(source);
        }
        if (sha == null) {
            throw new IllegalStateException("no Redis master to load a script into");
        }
        return sha;
    }

    /** One Redis server. */
    static RedisAccess of(StatefulRedisConnection<String, String> connection) {
        return new SingleRedisAccess(connection);
    }

    /** A Redis Cluster, through Lettuce's cluster connection and its node connections. */
    static RedisAccess of(StatefulRedisClusterConnection<String, String> connection) {
        return new ClusterRedisAccess(connection);
    }
}
