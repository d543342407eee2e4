package io.flashcoupon.core.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link RedisAccess} to one Redis server: every key on it, itself the only master. */
final class SingleRedisAccess implements RedisAccess {
    private final StatefulRedisConnection<String, String> connection;
    private final Node self;
    private final CompletableFuture<Target> target;

    SingleRedisAccess(StatefulRedisConnection<String, String> connection) {
        this.connection = connection;
        this.self = new Node("single", "single", connection::sync);
        this.target = CompletableFuture.completedFuture(new Target(self.id(), connection.async()));
    }

    @Override
    public RedisClusterAsyncCommands<String, String> async() {
        return connection.async();
    }

    @Override
    public CompletionStage<Target> targetOf(String key) {
        return target;
    }

    @Override
    public List<Node> replicas() {
        return List.of();
    }

    @Override
    public RedisClusterCommands<String, String> sync() {
        return connection.sync();
    }

    @Override
    public Node masterOf(String key) {
        return self;
    }

    @Override
    public List<Node> masters() {
        return List.of(self);
    }

    @Override
    public boolean cluster() {
        return false;
    }
}
