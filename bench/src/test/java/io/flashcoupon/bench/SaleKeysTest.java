package io.flashcoupon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** InvariantCheck reads the keys core writes: the bench's copy of the layout must be core's. */
class SaleKeysTest {

    @Test
    void the_tags_and_keys_are_cores_for_every_segment_count() {
        for (long activity : new long[] {1, 7, 42, 1234, 987_654_321L}) {
            for (int count = 1; count <= 16; count++) {
                List<String> tags = SaleKeys.tags(activity, count);
                List<Segment> segments = Segment.all(activity, count);
                assertThat(tags).hasSize(count);
                for (int i = 0; i < count; i++) {
                    assertThat(tags.get(i)).isEqualTo(segments.get(i).tag());
                    assertThat(SaleKeys.key(tags.get(i), "sale")).isEqualTo(Registry.saleKey(segments.get(i)));
                    assertThat(SaleKeys.key(tags.get(i), "ledger")).isEqualTo(Registry.ledgerKey(segments.get(i)));
                    assertThat(SaleKeys.key(tags.get(i), "users")).isEqualTo(Registry.usersKey(segments.get(i)));
                    assertThat(SaleKeys.key(tags.get(i), "void")).isEqualTo(Registry.voidKey(segments.get(i)));
                    assertThat(SaleKeys.key(tags.get(i), "xfer")).isEqualTo(Registry.transfersKey(segments.get(i)));
                }
            }
        }
    }

    @Test
    void a_user_buys_from_the_segment_core_sends_it_to() {
        for (int count = 1; count <= 16; count++) {
            for (long user = 1; user < 5_000; user += 7) {
                assertThat(SaleKeys.segmentOfUser(user, count)).as("user %d of %d", user, count)
                        .isEqualTo(Segment.ofUser(99, count, user).index());
            }
            long big = 3_000_000_017L;
            assertThat(SaleKeys.segmentOfUser(big, count)).isEqualTo(Segment.ofUser(99, count, big).index());
        }
    }
}
