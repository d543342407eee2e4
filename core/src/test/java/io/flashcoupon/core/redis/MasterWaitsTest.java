package io.flashcoupon.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** MasterWaits' bookkeeping of masters and their rounds, on a made-up topology (no I/O). */
class MasterWaitsTest {
    /** Two masters, "m1" serving every key whose marker number is even, "m2" the others. */
    private final List<String> masterIds = new ArrayList<>(List.of("m1", "m2"));
    private final AtomicInteger opens = new AtomicInteger();
    private final List<String> markers = new ArrayList<>();
    private CompletableFuture<StatefulRedisConnection<String, String>> nextOpen = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> nextRound = CompletableFuture.completedFuture(null);

    private final RedisAccess topology = new RedisAccess() {
        @Override
        public RedisClusterAsyncCommands<String, String> async() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Target> targetOf(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Node> replicas() {
            return List.of();
        }

        @Override
        public RedisClusterCommands<String, String> sync() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Node masterOf(String key) {
            int n = Integer.parseInt(key.replaceAll("\\D", ""));
            return node(masterIds.get(n % masterIds.size()));
        }

        @Override
        public List<Node> masters() {
            return masterIds.stream().map(id -> node(id)).toList();
        }

        @Override
        public boolean cluster() {
            return true;
        }
    };

    private static RedisAccess.Node node(String id) {
        return new RedisAccess.Node(id, id + ":6379", () -> {
            throw new UnsupportedOperationException();
        });
    }

    private final MasterWaits waits = new MasterWaits(topology, master -> {
        opens.incrementAndGet();
        return nextOpen;
    }, (connection, marker) -> {
        markers.add(marker);
        return nextRound;
    });

    @Test
    void each_master_gets_its_own_rounds_with_a_marker_it_serves_and_keeps_them() throws Exception {
        waits.confirm("m1").get();
        waits.confirm("m2").get();
        waits.confirm("m1").get();
        assertThat(opens).hasValue(2);
        assertThat(markers).containsExactly("fs:durability-mark{0}", "fs:durability-mark{1}", "fs:durability-mark{0}");
    }

    @Test
    void a_connection_that_could_not_be_opened_is_opened_again_by_the_next_call() throws Exception {
        nextOpen = CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
        assertThatThrownBy(() -> waits.confirm("m1").get()).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("connection refused");
        nextOpen = CompletableFuture.completedFuture(null);
        waits.confirm("m1").get();
        assertThat(opens).hasValue(2);
    }

    @Test
    void a_round_that_fell_short_keeps_its_connection_and_one_that_broke_drops_it() {
        nextRound = CompletableFuture.failedFuture(NotDurableException.shortfall("WAIT: 0 of 1"));
        assertThatThrownBy(() -> waits.confirm("m1").get()).hasMessageContaining("WAIT: 0 of 1");
        assertThatThrownBy(() -> waits.confirm("m1").get()).hasMessageContaining("WAIT: 0 of 1");
        assertThat(opens).hasValue(1);
        nextRound = CompletableFuture.failedFuture(new IllegalStateException("MOVED 1234 10.0.0.2:6379"));
        assertThatThrownBy(() -> waits.confirm("m1").get()).hasMessageContaining("MOVED");
        nextRound = CompletableFuture.completedFuture(null);
        assertThat(waits.confirm("m1")).succeedsWithin(java.time.Duration.ofSeconds(1));
        assertThat(opens).hasValue(2);
    }

    @Test
    void a_node_that_is_no_longer_a_master_confirms_nothing_and_a_departed_master_is_retired() throws Exception {
        waits.confirm("m2").get();
        masterIds.set(1, "m3"); // m2 failed over to m3
        waits.confirm("m3").get();
        assertThat(opens).hasValue(2);
        assertThatThrownBy(() -> waits.confirm("m2")).as("m2's rounds were retired when m3 was met")
                .isInstanceOf(NotDurableException.class).hasMessageContaining("no longer serves as a master");
        waits.confirm("m1").get();
        assertThat(opens).as("m2's rounds opened once, m3's once, m1's once").hasValue(3);
    }
}
