package io.flashcoupon.core.redis;

import io.flashcoupon.core.Registry;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The durability rounds of each master ({@link GroupConfirm} per master): WAITAOF and WAIT cover only
 * the writes of the server they run on, so a Redis Cluster needs a round on the master that served the
 * call. Each master gets a waits connection of its own (a wait blocks its connection) and a marker key
 * that master serves; a single Redis has one of each, with marker {@link Registry#DURABILITY_MARK_KEY}.
 * A master that left (failover, resharding) keeps its rounds until the next new master is met, then
 * they are closed: a round on it fails, and a call it would have confirmed is answered outcome unknown.
 */
final class MasterWaits implements AutoCloseable {
    private final RedisAccess access;
    private final Function<RedisAccess.Node, CompletionStage<StatefulRedisConnection<String, String>>> open;
    private final BiFunction<StatefulRedisConnection<String, String>, String, CompletionStage<Void>> round;
    private final Map<String, Rounds> byNode = new HashMap<>();
    private boolean closed;

    private record Rounds(CompletableFuture<StatefulRedisConnection<String, String>> connection, GroupConfirm rounds) {
        void close() {
            connection.thenAccept(StatefulRedisConnection::close);
        }
    }

    /**
     * {@code open} opens a new connection to a master, without blocking (confirm runs on Redis I/O
     * threads, where a blocking connect would wait for itself); {@code round} runs one round on a
     * waits connection with a marker key that master serves.
     */
    MasterWaits(RedisAccess access,
            Function<RedisAccess.Node, CompletionStage<StatefulRedisConnection<String, String>>> open,
            BiFunction<StatefulRedisConnection<String, String>, String, CompletionStage<Void>> round) {
        this.access = access;
        this.open = open;
        this.round = round;
    }

    /** Completes when a round on the master serving {@code key}, started after this call, confirmed. */
    CompletableFuture<Void> confirm(String key) {
        return roundsOf(access.masterOf(key)).confirm();
    }

    /** One round on every master. */
    List<CompletableFuture<Void>> confirmEach() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (RedisAccess.Node master : access.masters()) {
            all.add(roundsOf(master).confirm());
        }
        return all;
    }

    private GroupConfirm roundsOf(RedisAccess.Node master) {
        synchronized (byNode) {
            if (closed) {
                throw new IllegalStateException("Redis durability closed");
            }
            Rounds r = byNode.get(master.id());
            if (r != null) {
                return r.rounds();
            }
            retireGoneMasters();
            String marker = markerOf(master);
            CompletableFuture<StatefulRedisConnection<String, String>> c = open.apply(master).toCompletableFuture();
            r = new Rounds(c, new GroupConfirm(() -> c.thenCompose(opened -> round.apply(opened, marker))));
            byNode.put(master.id(), r);
            return r.rounds();
        }
    }

    private void retireGoneMasters() {
        Set<String> live = new HashSet<>();
        for (RedisAccess.Node m : access.masters()) {
            live.add(m.id());
        }
        byNode.entrySet().removeIf(e -> {
            if (live.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
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
        synchronized (byNode) {
            closed = true;
            byNode.values().forEach(Rounds::close);
            byNode.clear();
        }
    }
}
