package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CouponSnGeneratorTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        long millis;

        ManualClock(long millis) {
            this.millis = millis;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    @Test
    void serials_are_fixed_width_unique_and_sorted_within_one_millisecond_and_across() {
        ManualClock clock = new ManualClock(1_780_000_000_000L);
        CouponSnGenerator gen = new CouponSnGenerator(clock, InMemoryNodeLeaseStore.longLease(7, clock));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            if (i % 1000 == 0) {
                clock.millis++;
            }
            out.add(gen.next());
        }
        assertThat(out).allSatisfy(s -> assertThat(s).hasSize(19).containsOnlyDigits());
        assertThat(new HashSet<>(out)).hasSize(out.size());
        assertThat(out).isSorted();
    }

    @Test
    void a_clock_stepping_back_never_repeats_a_serial() {
        ManualClock clock = new ManualClock(1_780_000_000_000L);
        CouponSnGenerator gen = new CouponSnGenerator(clock, InMemoryNodeLeaseStore.longLease(1, clock));
        String before = gen.next();
        clock.millis -= 5_000;
        String after = gen.next();
        assertThat(after).isGreaterThan(before);
    }

    @Test
    void different_nodes_never_collide_at_the_same_instant() {
        ManualClock clock = new ManualClock(1_780_000_000_000L);
        Set<String> all = new HashSet<>();
        for (int node = 0; node < 4; node++) {
            CouponSnGenerator gen = new CouponSnGenerator(clock, InMemoryNodeLeaseStore.longLease(node, clock));
            for (int i = 0; i < 100; i++) {
                assertThat(all.add(gen.next())).isTrue();
            }
        }
    }

    @Test
    void concurrent_callers_get_distinct_serials() throws Exception {
        CouponSnGenerator gen = new CouponSnGenerator(Clock.systemUTC(),
                InMemoryNodeLeaseStore.longLease(3, Clock.systemUTC()));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 20_000; i++) {
                    seen.add(gen.next());
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(160_000);
    }

    @Test
    void node_id_out_of_range_is_refused() {
        assertThatThrownBy(() -> InMemoryNodeLeaseStore.longLease(1024, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..1023");
    }
}
