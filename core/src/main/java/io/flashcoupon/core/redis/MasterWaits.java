package io.flashcoupon.core.redis;

import io.flashcoupon.core.Registry;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The durability rounds of each master ({@link GroupConfirm} per master): WAITAOF and WAIT cover only
 * the writes of the server they run on, so a Redis Cluster needs a round on the master that ran the
 * call. Each master gets a waits connection of its own (a wait blocks its connection) and a marker key
 * that master serves; a single Redis has one of each, with marker {@link Registry#DURABILITY_MARK_KEY}.
 *
 * <p>Everything here may run on a Redis I/O thread (confirmations follow replies), so nothing blocks:
 * connections are opened and closed asynchronously, and the lock is held only to add or retire a
 * master's rounds. A master's rounds are dropped, to be opened afresh by the next call, when their
 * connection could not be opened or a round failed other than by falling short (the connection broke,
 * the marker's slot moved away: MOVED/ASK), and when the master left (failover, resharding).
 */
final class MasterWaits implements AutoCloseable {
    private final RedisAccess access;
    private final Function<RedisAccess.Node, CompletionStage<StatefulRedisConnection<String, String>>> open;
    private final BiFunction<StatefulRedisConnection<String, String>, String, CompletionStage<Void>> round;
    private final ConcurrentHashMap<String, Rounds> byNode = new ConcurrentHashMap<>();
    private boolean closed;

    /** One master's waits connection and rounds. */
    private final class Rounds {
        final String nodeId;
        final CompletableFuture<StatefulRedisConnection<String, String>> connection;
        final GroupConfirm rounds;

        Rounds(String nodeId, CompletableFuture<StatefulRedisConnection<String, String>> connection, String marker) {
            this.nodeId = nodeId;
            this.connection = connection;
            this.rounds = new GroupConfirm(() -> connection.thenCompose(c -> round.apply(c, marker))
                    .whenComplete((ok, error) -> {
                        if (error != null && !NotDurableException.isShortfall(error)) {
                            retire(this);
                        }
                    }));
        }

        void closeAsync() {
            connection.thenAccept(StatefulRedisConnection::closeAsync);
        }
    }

    /**
     * {@code open} opens a new connection to a master without blocking; {@code round} runs one round
     * on a waits connection with a marker key that master serves.
     */
    MasterWaits(RedisAccess access,
            Function<RedisAccess.Node, CompletionStage<StatefulRedisConnection<String, String>>> open,
            BiFunction<StatefulRedisConnection<String, String>, String, CompletionStage<Void>> round) {
        this.access = access;
        this.open = open;
        this.round = round;
    }

    /** The id of the master serving {@code key}'s slot now. */
    String masterIdOf(String key) {
        return access.masterOf(key).id();
    }

    /** Completes when a round on master {@code nodeId}, started after this call, confirmed. */
    CompletableFuture<Void> confirm(String nodeId) {
        Rounds r = byNode.get(nodeId);
        return (r != null ? r : roundsOf(nodeId)).rounds.confirm();
    }

    /** One round on every master. */
    List<CompletableFuture<Void>> confirmEach() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (RedisAccess.Node master : access.masters()) {
            all.add(confirm(master.id()));
        }
        return all;
    }

    private Rounds roundsOf(String nodeId) {
        List<Rounds> retired = new ArrayList<>();
        Rounds r;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("Redis durability closed");
            }
            r = byNode.get(nodeId);
            if (r == null) {
                RedisAccess.Node master = null;
                Set<String> live = new HashSet<>();
                for (RedisAccess.Node m : access.masters()) {
                    live.add(m.id());
                    if (m.id().equals(nodeId)) {
                        master = m;
                    }
                }
                if (master == null) {
                    throw new NotDurableException("Redis node " + nodeId + " no longer serves as a master: outcome"
                            + " unknown");
                }
                byNode.values().removeIf(old -> {
                    boolean gone = !live.contains(old.nodeId);
                    if (gone) {
                        retired.add(old);
                    }
                    return gone;
                });
                r = new Rounds(nodeId, open.apply(master).toCompletableFuture(), markerOf(master));
                byNode.put(nodeId, r);
            }
        }
        retired.forEach(Rounds::closeAsync);
        return r;
    }

    private void retire(Rounds r) {
        if (byNode.remove(r.nodeId, r)) {
            r.closeAsync();
        }
    }

    /** A key {@code master} serves: the shared marker on a single Redis; one with a hash tag of its slots in a cluster. */
    private String markerOf(RedisAccess.Node master) {
        if (!access.cluster()) {
            return Registry.DURABILITY_MARK_KEY;
        }
        for (int i = 0; i < 1 << 20; i++) {
            String candidate = Registry.durabilityMarkKey(i);
            if (access.masterOf(candidate).id().equals(master.id())) {
                return candidate;
            }
        }
        throw new IllegalStateException("found no marker key served by Redis master " + master.address());
    }

    @Override
    public void close() {
        List<Rounds> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(byNode.values());
            byNode.clear();
        }
        for (Rounds r : all) {
            try {
                r.connection.thenAccept(StatefulRedisConnection::close).getNow(null);
            } catch (CompletionException e) {
                // never opened: nothing to close
            }
        }
    }
}
