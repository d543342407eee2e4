package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.sale.CouponSnGeneratorTest.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The lease rules on an in-memory store (the scripts' rules, see InMemoryNodeLeaseStore), with a wall
 * clock the test steps back and forth and a Redis/monotonic clock that only moves forward.
 */
class NodeIdLeaseTest {
    private static final long LEASE_MS = 10_000;
    private static final long T0 = 1_780_000_000_000L;

    private final InMemoryNodeLeaseStore redis = new InMemoryNodeLeaseStore();

    private NodeIdLease acquire(int id, boolean nextFree, String owner, ManualClock wall) throws Exception {
        return redis.acquire(id, nextFree, LEASE_MS, owner, wall);
    }

    /** {@code n} sns, the wall clock moving one millisecond every 100. */
    private static List<String> issue(CouponSnGenerator gen, ManualClock wall, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % 100 == 99) {
                wall.millis++;
            }
            out.add(gen.next());
        }
        return out;
    }

    @Test
    void a_restart_after_a_clock_step_back_issues_sns_above_every_earlier_one() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease first = acquire(1, false, "a", wall);
        List<String> before = issue(new CouponSnGenerator(wall, first), wall, 5_000);
        first.close();

        wall.millis -= 60_000; // NTP stepped the clock back a minute; the process restarts
        NodeIdLease second = acquire(1, false, "a-restarted", wall);
        List<String> after = issue(new CouponSnGenerator(wall, second), wall, 5_000);

        assertThat(second.nodeId()).isEqualTo(1);
        assertThat(after.get(0)).isGreaterThan(Collections.max(before));
        assertThat(after).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void a_restart_after_a_crash_and_a_clock_step_back_starts_above_the_mark_the_dead_holder_left() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease dead = acquire(1, false, "killed", wall);
        CouponSnGenerator deadGen = new CouponSnGenerator(wall, dead);
        List<String> before = issue(deadGen, wall, 2_000);
        wall.millis += 5_000; // issued for five more seconds, renewing, then kill -9: no release
        redis.advance(5_000);
        dead.renewNow();
        before.addAll(issue(deadGen, wall, 2_000));

        redis.advance(LEASE_MS); // its lease runs out
        wall.millis -= 30_000;
        NodeIdLease next = acquire(1, false, "restarted", wall);
        List<String> after = issue(new CouponSnGenerator(wall, next), wall, 2_000);

        assertThat(next.nodeId()).isEqualTo(1);
        assertThat(after.get(0)).isGreaterThan(Collections.max(before));
    }

    @Test
    void a_graceful_stop_stores_the_exact_last_millisecond_so_a_restart_does_not_jump_ahead() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease first = acquire(1, false, "a", wall);
        new CouponSnGenerator(wall, first).next();
        assertThat(redis.mark(1)).as("mark ahead while held").isEqualTo(T0 + NodeIdLease.MIN_AHEAD_MS);
        first.close();
        assertThat(redis.mark(1)).isEqualTo(T0);
        assertThat(redis.holder(1)).isNull();

        NodeIdLease second = acquire(1, false, "b", wall);
        String sn = new CouponSnGenerator(wall, second).next();
        assertThat(msOf(sn)).isEqualTo(T0 + 1);
    }

    @Test
    void next_free_takes_the_lowest_free_id_when_the_configured_one_is_held() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(1, true, "a", wall);
        NodeIdLease b = acquire(1, true, "b", wall);
        NodeIdLease c = acquire(1, true, "c", wall);
        assertThat(List.of(a.nodeId(), b.nodeId(), c.nodeId())).containsExactly(1, 0, 2);
        assertThat(redis.holder(0)).isEqualTo("b");
    }

    @Test
    void two_generators_never_share_an_id_through_the_lease() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(5, true, "a", wall);
        NodeIdLease b = acquire(5, true, "b", wall);
        CouponSnGenerator ga = new CouponSnGenerator(wall, a);
        CouponSnGenerator gb = new CouponSnGenerator(wall, b);
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertThat(all.add(ga.next())).isTrue();
            assertThat(all.add(gb.next())).isTrue();
        }
        assertThat(a.nodeId()).isNotEqualTo(b.nodeId());
        assertThatThrownBy(() -> new CouponSnGenerator(wall, a))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a generator");
    }

    @Test
    void refuse_fails_the_start_naming_the_id_and_a_holder_that_keeps_renewing() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease live = acquire(3, false, "coupon-3-4242-live", wall);
        // the holder renews while the newcomer waits out its lease
        NodeIdLease.Pause waitWhileHolderRenews = ms -> {
            for (long t = 0; t < ms; t += 1_000) {
                redis.advance(1_000);
                live.renewNow();
            }
        };
        assertThatThrownBy(() -> NodeIdLease.acquire(redis, 3, false, LEASE_MS, "newcomer", wall, redis::nanoTime,
                waitWhileHolderRenews))
                .isInstanceOf(NodeIdTakenException.class)
                .hasMessageContaining("server.node-id 3 is leased by coupon-3-4242-live")
                .hasMessageContaining("still held after waiting 10050 ms")
                .hasMessageContaining("server.node-id-policy is refuse");
        assertThat(redis.holder(3)).isEqualTo("coupon-3-4242-live");
        assertThat(live.held()).isTrue();
    }

    @Test
    void refuse_takes_the_id_of_a_killed_holder_once_its_lease_has_run_out() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease killed = acquire(3, false, "killed", wall);
        List<String> before = issue(new CouponSnGenerator(wall, killed), wall, 1_000);
        redis.advance(4_000);

        NodeIdLease next = acquire(3, false, "next", wall); // waits the remaining 6 s out (the store's clock)

        assertThat(next.nodeId()).isEqualTo(3);
        assertThat(redis.nowMs).isGreaterThanOrEqualTo(1_000_000 + LEASE_MS);
        assertThat(new CouponSnGenerator(wall, next).next()).isGreaterThan(Collections.max(before));
    }

    @Test
    void a_lease_that_cannot_be_renewed_stops_issuing_before_redis_can_give_the_id_to_anyone_else() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(1, false, "a", wall);
        CouponSnGenerator gen = new CouponSnGenerator(wall, a);
        gen.next();
        redis.failing = true;
        a.renewNow(); // fails: counted, logged, no exception
        redis.advance(LEASE_MS - LEASE_MS / 100 - 3);
        assertThat(gen.next()).hasSize(19);
        redis.advance(1);
        // still a millisecond before Redis would expire the key, the holder has stopped
        assertThatThrownBy(gen::next).isInstanceOf(SerialsUnavailableException.class)
                .hasMessageContaining("node id 1");
        assertThat(a.held()).isFalse();
        redis.failing = false;
        assertThat(redis.holder(1)).isEqualTo("a");
    }

    @Test
    void a_lease_found_taken_at_renewal_stops_issuing_at_once_and_no_sn_is_shared() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(1, false, "a", wall);
        CouponSnGenerator ga = new CouponSnGenerator(wall, a);
        Set<String> all = new HashSet<>(issue(ga, wall, 1_000));
        redis.failing = true;
        a.renewNow();
        redis.failing = false;
        redis.advance(LEASE_MS); // a's lease expired in Redis while it could not renew
        NodeIdLease b = acquire(1, false, "b", wall);
        CouponSnGenerator gb = new CouponSnGenerator(wall, b);
        for (String sn : issue(gb, wall, 1_000)) {
            assertThat(all.add(sn)).as("sn %s issued twice", sn).isTrue();
        }

        a.renewNow();
        assertThat(a.held()).isFalse();
        assertThatThrownBy(ga::next).isInstanceOf(SerialsUnavailableException.class);
        assertThat(redis.holder(1)).isEqualTo("b");

        // once b lets go, a claims its id back and continues above everything b issued
        b.close();
        a.renewNow();
        assertThat(a.held()).isTrue();
        for (String sn : issue(ga, wall, 1_000)) {
            assertThat(all.add(sn)).as("sn %s issued twice", sn).isTrue();
        }
    }

    @Test
    void a_lease_that_expired_while_redis_was_away_is_claimed_back_and_issuing_resumes() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(1, false, "a", wall);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        a.bindTo(meters);
        CouponSnGenerator gen = new CouponSnGenerator(wall, a);
        String before = gen.next();
        redis.failing = true;
        redis.advance(LEASE_MS);
        a.renewNow();
        assertThat(meters.get("coupon.node.lease.held").gauge().value()).isZero();
        redis.failing = false;
        a.renewNow();
        assertThat(a.held()).isTrue();
        assertThat(gen.next()).isGreaterThan(before);
        assertThat(meters.get("coupon.node.lease.renewals").tag("result", "reclaimed").functionCounter().count())
                .isEqualTo(1);
        assertThat(meters.get("coupon.node.lease.renewals").tag("result", "failed").functionCounter().count())
                .isEqualTo(1);
        assertThat(meters.get("coupon.node.id").gauge().value()).isEqualTo(1);
    }

    @Test
    void renewals_keep_the_mark_ahead_of_the_clock_so_issuing_never_writes_redis() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(1, false, "a", wall);
        CouponSnGenerator gen = new CouponSnGenerator(wall, a);
        for (int step = 0; step < 30; step++) {
            wall.millis += 3_333;
            redis.advance(3_333);
            a.renewNow();
            redis.failing = true; // issuing between renewals must not touch Redis
            String sn = gen.next();
            redis.failing = false;
            assertThat(msOf(sn)).isEqualTo(wall.millis);
            assertThat(redis.mark(1)).isGreaterThanOrEqualTo(wall.millis + NodeIdLease.MIN_AHEAD_MS);
        }
    }

    @Test
    void a_clock_jumping_past_the_mark_moves_the_mark_before_the_sn_is_issued() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(1, false, "a", wall);
        CouponSnGenerator gen = new CouponSnGenerator(wall, a);
        gen.next();
        wall.millis += 3_600_000;
        String sn = gen.next();
        assertThat(msOf(sn)).isEqualTo(wall.millis);
        assertThat(redis.mark(1)).isGreaterThanOrEqualTo(wall.millis);

        wall.millis += 3_600_000;
        redis.failing = true;
        assertThatThrownBy(gen::next).isInstanceOf(SerialsUnavailableException.class)
                .hasMessageContaining("high-water mark");
    }

    @Test
    void a_closed_lease_issues_nothing_more() throws Exception {
        ManualClock wall = new ManualClock(T0);
        NodeIdLease a = acquire(1, false, "a", wall);
        CouponSnGenerator gen = new CouponSnGenerator(wall, a);
        gen.next();
        a.close();
        assertThatThrownBy(gen::next).isInstanceOf(SerialsUnavailableException.class);
        a.close();
    }

    /** The Unix millisecond an sn was made in. */
    private static long msOf(String sn) {
        return (Long.parseLong(sn) >>> 22) + CouponSnGenerator.EPOCH_MS;
    }
}
