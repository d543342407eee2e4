package io.flashcoupon.core.redis;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** {@link RedisAccess} to a Redis Cluster, through Lettuce's cluster connection and its node connections. */
final class ClusterRedisAccess implements RedisAccess {
    private final StatefulRedisClusterConnection<String, String> connection;

    ClusterRedisAccess(StatefulRedisClusterConnection<String, String> connection) {
        this.connection = connection;
    }

    @Override
    public RedisClusterAsyncCommands<String, String> async() {
        return connection.async();
    }

    @Override
    public RedisClusterCommands<String, String> sync() {
        return connection.sync();
    }

    @Override
    public CompletionStage<Target> targetOf(String key) {
        String id;
        try {
            id = masterOf(key).id();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return connection.getConnectionAsync(id).thenApply(c -> new Target(id, c.async()));
    }

    @Override
    public List<Node> replicas() {
        List<Node> replicas = new ArrayList<>();
        for (RedisClusterNode n : connection.getPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.REPLICA) && !failed(n)) {
                replicas.add(node(n));
            }
        }
        return replicas;
    }

    @Override
    public Node masterOf(String key) {
        RedisClusterNode node = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
        if (node == null) {
            throw new IllegalStateException("no Redis Cluster master serves the slot of " + key
                    + " (slot " + SlotHash.getSlot(key) + " uncovered)");
        }
        return node(node);
    }

    @Override
    public List<Node> masters() {
        List<Node> masters = new ArrayList<>();
        for (RedisClusterNode n : connection.getPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty() && !failed(n)) {
                masters.add(node(n));
            }
        }
        masters.sort((a, b) -> a.address().compareTo(b.address()));
        return masters;
    }

    private boolean failed(RedisClusterNode n) {
        return n.is(RedisClusterNode.NodeFlag.FAIL) || n.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL);
    }

    private Node node(RedisClusterNode n) {
        String id = n.getNodeId();
        return new Node(id, n.getUri().getHost() + ":" + n.getUri().getPort(),
                () -> connection.getConnection(id).sync());
    }

    @Override
    public boolean cluster() {
        return true;
    }
}
