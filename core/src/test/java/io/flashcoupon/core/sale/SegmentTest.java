package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SegmentTest {

    @Test
    void a_sale_of_one_segment_keeps_the_keys_of_an_unsplit_sale() {
        assertThat(Segment.of(42, 0, 1)).isEqualTo(Segment.only(42));
        assertThat(Segment.only(42).tag()).isEqualTo("42");
        assertThat(Segment.only(42).split()).isFalse();
    }

    @Test
    void each_segment_falls_in_its_own_share_of_the_slots() {
        for (int count = 2; count <= 16; count++) {
            List<Segment> all = Segment.all(7, count);
            Set<String> tags = new HashSet<>();
            for (Segment s : all) {
                int slot = SlotHash.getSlot(s.tag());
                assertThat(slot).isBetween(s.index() * SlotHash.SLOT_COUNT / count,
                        (s.index() + 1) * SlotHash.SLOT_COUNT / count - 1);
                tags.add(s.tag());
            }
            assertThat(tags).hasSize(count);
        }
    }

    @Test
    void tags_are_stable_functions_of_sale_index_and_count() {
        assertThat(Segment.of(7, 2, 3)).isEqualTo(Segment.of(7, 2, 3));
        assertThat(Segment.of(7, 2, 3).tag()).startsWith("7.2.");
    }

    @Test
    void a_user_always_goes_to_the_same_segment_and_users_spread_over_all() {
        int[] seen = new int[3];
        for (long user = 1; user <= 30_000; user++) {
            int i = Segment.indexOfUser(user, 3);
            assertThat(Segment.indexOfUser(user, 3)).isEqualTo(i);
            assertThat(Segment.ofUser(9, 3, user).index()).isEqualTo(i);
            seen[i]++;
        }
        for (int n : seen) {
            assertThat(n).isBetween(9_500, 10_500);
        }
        assertThat(Segment.indexOfUser(-5, 3)).isBetween(0, 2);
    }

    @Test
    void allotments_add_up_to_the_total() {
        for (int total = 1; total <= 50; total++) {
            for (int count = 1; count <= Math.min(total, 16); count++) {
                int sum = 0;
                for (int i = 0; i < count; i++) {
                    int a = Segment.allotment(total, i, count);
                    assertThat(a).isBetween(total / count, total / count + 1);
                    sum += a;
                }
                assertThat(sum).isEqualTo(total);
            }
        }
    }

    @Test
    void a_segment_outside_the_sale_is_refused() {
        assertThatThrownBy(() -> Segment.of(1, 3, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Segment.of(1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Segment.of(1, -1, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
