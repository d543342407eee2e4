package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.NodeIdLease;
import io.flashcoupon.core.sale.NodeLeaseStore;
import io.flashcoupon.core.sale.RedisNodeLeaseStore;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node-lease scripts (lua/node_claim.lua, node_renew.lua, node_release.lua) against the test Redis:
 * the rules NodeIdLeaseTest checks on an in-memory copy, here on the real keys. Node ids 1000-1003,
 * which no test service leases.
 */
class RedisNodeLeaseStoreIT {
    private static final int ID = 1000;
    private static final long T0 = 1_780_000_000_000L;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisNodeLeaseStore store;

    @BeforeAll
    static void connect() {
        client = RedisClient.create("redis://127.0.0.1:" + ServiceHarness.REDIS_PORT + "/" + ServiceHarness.REDIS_DB);
        connection = client.connect();
        store = new RedisNodeLeaseStore(connection, Duration.ofSeconds(3));
    }

    @AfterAll
    static void close() {
        connection.close();
        client.shutdown();
    }

    @BeforeEach
    void clean() {
        for (int id = ID; id < ID + 4; id++) {
            redis().del(Registry.nodeLeaseKey(id), Registry.nodeHighWaterKey(id));
        }
    }

    private static RedisCommands<String, String> redis() {
        return connection.sync();
    }

    @Test
    void a_claim_sets_the_lease_and_the_mark_and_refuses_other_owners_naming_the_holder() {
        NodeLeaseStore.Claim a = store.claim(ID, "a", 5_000, T0, 10_000);
        assertThat(a).isEqualTo(NodeLeaseStore.Claim.granted(T0, T0 + 10_000));
        assertThat(redis().get(Registry.nodeLeaseKey(ID))).isEqualTo("a");
        assertThat(redis().pttl(Registry.nodeLeaseKey(ID))).isBetween(1L, 5_000L);
        assertThat(redis().get(Registry.nodeHighWaterKey(ID))).isEqualTo(Long.toString(T0 + 10_000));

        NodeLeaseStore.Claim b = store.claim(ID, "b", 5_000, T0, 10_000);
        assertThat(b.claimed()).isFalse();
        assertThat(b.holder()).isEqualTo("a");
        assertThat(b.holderTtlMs()).isBetween(1L, 5_000L);
        assertThat(redis().get(Registry.nodeHighWaterKey(ID))).as("a refusal changes nothing")
                .isEqualTo(Long.toString(T0 + 10_000));

        NodeLeaseStore.Claim replay = store.claim(ID, "a", 5_000, T0, 10_000);
        assertThat(replay).as("a replayed claim of the holder").isEqualTo(
                NodeLeaseStore.Claim.granted(T0 + 10_001, T0 + 20_001));
    }

    @Test
    void a_new_holder_starts_above_the_mark_even_when_its_clock_is_behind() {
        store.claim(ID, "a", 5_000, T0, 10_000);
        assertThat(store.release(ID, "a", T0 + 42)).isTrue();
        assertThat(redis().get(Registry.nodeLeaseKey(ID))).isNull();
        assertThat(redis().get(Registry.nodeHighWaterKey(ID))).isEqualTo(Long.toString(T0 + 42));

        NodeLeaseStore.Claim b = store.claim(ID, "b", 5_000, T0 - 60_000, 10_000);
        assertThat(b).isEqualTo(NodeLeaseStore.Claim.granted(T0 + 43, T0 + 10_043));
    }

    @Test
    void renewal_is_compare_owner_and_raises_the_mark_but_never_lowers_it() {
        store.claim(ID, "a", 5_000, T0, 10_000);
        assertThat(store.renew(ID, "a", 5_000, T0 + 15_000)).isEqualTo(NodeLeaseStore.Renewal.renewed(T0 + 15_000));
        assertThat(store.renew(ID, "a", 5_000, T0 + 1)).isEqualTo(NodeLeaseStore.Renewal.renewed(T0 + 15_000));
        assertThat(store.renew(ID, "b", 5_000, T0 + 99_000)).isEqualTo(NodeLeaseStore.Renewal.lost("a"));
        assertThat(store.release(ID, "b", 0)).as("only the holder releases").isFalse();
        assertThat(redis().get(Registry.nodeHighWaterKey(ID))).isEqualTo(Long.toString(T0 + 15_000));

        redis().del(Registry.nodeLeaseKey(ID)); // as when the lease expires
        assertThat(store.renew(ID, "a", 5_000, T0 + 20_000)).isEqualTo(NodeLeaseStore.Renewal.lost(null));
    }

    @Test
    void through_the_scripts_a_restart_with_the_clock_stepped_back_issues_sns_above_all_earlier_ones()
            throws Exception {
        Clock now = Clock.systemUTC();
        NodeIdLease first = NodeIdLease.acquire(store, ID + 1, false, 5_000, "first", now, System::nanoTime,
                Thread::sleep);
        CouponSnGenerator gen = new CouponSnGenerator(now, first);
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            before.add(gen.next());
        }
        first.close();

        Clock behind = Clock.offset(now, Duration.ofMinutes(-5));
        NodeIdLease second = NodeIdLease.acquire(store, ID + 1, false, 5_000, "second", behind, System::nanoTime,
                Thread::sleep);
        CouponSnGenerator again = new CouponSnGenerator(behind, second);
        String firstAfter = again.next();
        second.close();
        assertThat(firstAfter).isGreaterThan(Collections.max(before));

        NodeIdLease third = NodeIdLease.acquire(store, ID + 1, true, 5_000, "third", now, System::nanoTime,
                Thread::sleep);
        NodeIdLease fourth = NodeIdLease.acquire(store, ID + 1, true, 5_000, "fourth", now, System::nanoTime,
                Thread::sleep);
        try {
            assertThat(third.nodeId()).isEqualTo(ID + 1);
            assertThat(fourth.nodeId()).as("next-free: the lowest free id").isNotEqualTo(ID + 1);
            assertThat(redis().get(Registry.nodeLeaseKey(fourth.nodeId()))).isEqualTo("fourth");
        } finally {
            third.close();
            fourth.close();
        }
    }
}
