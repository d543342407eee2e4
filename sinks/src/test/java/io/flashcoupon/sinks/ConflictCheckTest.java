package io.flashcoupon.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.reconcile.GrantConflict;
import io.flashcoupon.core.wallet.GrantRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sink's classification of a batch after its insert, from plain maps of the rows found. */
class ConflictCheckTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00.250Z");
    private static final long SALE = 9;

    private static GrantedCoupon grant(String sn, long user, int seq) {
        return new GrantedCoupon(sn, SALE, 1, 1, user, seq, 1_000, Instant.EPOCH, Instant.EPOCH, null);
    }

    private static GrantRow row(String sn, long user, int seq) {
        return new GrantRow(sn, SALE, user, seq);
    }

    private static ConflictCheck.Seat seat(long user, int seq) {
        return new ConflictCheck.Seat(SALE, user, seq);
    }

    @Test
    void a_grant_whose_serial_holds_its_own_row_is_stored_whether_inserted_now_or_redelivered() {
        GrantedCoupon a = grant("A", 10, 1);
        ConflictCheck.Outcome out = ConflictCheck.classify(List.of(a), Map.of("A", row("A", 10, 1)), Map.of(), NOW);

        assertThat(out.stored()).containsExactly(a);
        assertThat(out.refused()).isEmpty();
        assertThat(out.conflicts()).isEmpty();
    }

    @Test
    void a_grant_whose_seat_holds_another_serial_conflicts_with_that_row() {
        GrantedCoupon b = grant("B", 10, 1);
        Map<String, GrantRow> bySn = Map.of();
        assertThat(ConflictCheck.withoutRow(List.of(b), bySn)).containsExactly(b);

        ConflictCheck.Outcome out = ConflictCheck.classify(List.of(b), bySn, Map.of(seat(10, 1), row("A", 10, 1)), NOW);

        assertThat(out.stored()).isEmpty();
        assertThat(out.refused()).containsExactly(b);
        GrantConflict c = out.conflicts().get(0);
        assertThat(c).isEqualTo(GrantConflict.detected("B", "A", SALE, 10, 1, NOW));
        assertThat(c.seqTaken()).isTrue();
        assertThat(c.describe()).contains("B", "row A holds");
    }

    @Test
    void a_grant_whose_serial_is_another_owners_row_conflicts_even_if_its_seat_is_free() {
        GrantedCoupon x = grant("X", 20, 1);
        ConflictCheck.Outcome out = ConflictCheck.classify(List.of(x), Map.of("X", row("X", 30, 1)), Map.of(), NOW);

        assertThat(out.refused()).containsExactly(x);
        assertThat(out.conflicts()).singleElement().satisfies(c -> {
            assertThat(c.existingCouponSn()).isEqualTo("X");
            assertThat(c.snTaken()).isTrue();
            assertThat(c.userId()).as("the incoming grant's owner").isEqualTo(20);
        });
    }

    @Test
    void the_same_serial_with_another_seq_of_the_same_user_is_a_conflict_too() {
        GrantedCoupon x = grant("X", 20, 2);
        ConflictCheck.Outcome out = ConflictCheck.classify(List.of(x), Map.of("X", row("X", 20, 1)), Map.of(), NOW);

        assertThat(out.refused()).containsExactly(x);
    }

    @Test
    void two_grants_of_one_batch_on_one_seat_store_the_first_and_refuse_the_second() {
        GrantedCoupon first = grant("B", 10, 1);
        GrantedCoupon second = grant("C", 10, 1);
        GrantedCoupon other = grant("D", 11, 1);
        Map<String, GrantRow> bySn = Map.of("B", row("B", 10, 1), "D", row("D", 11, 1));
        assertThat(ConflictCheck.withoutRow(List.of(first, second, other), bySn)).containsExactly(second);

        ConflictCheck.Outcome out = ConflictCheck.classify(List.of(first, second, other), bySn,
                Map.of(seat(10, 1), row("B", 10, 1)), NOW);

        assertThat(out.stored()).containsExactly(first, other);
        assertThat(out.refused()).containsExactly(second);
        assertThat(out.conflicts()).extracting(GrantConflict::couponSn, GrantConflict::existingCouponSn)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("C", "B"));
    }

    @Test
    void a_grant_with_neither_its_row_nor_a_row_in_its_way_fails_the_batch() {
        assertThatThrownBy(() -> ConflictCheck.classify(List.of(grant("Z", 10, 1)), Map.of(), Map.of(), NOW))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Z");
    }

    @Test
    void only_grants_whose_serial_no_row_held_before_the_insert_count_as_inserted_per_sale() {
        GrantedCoupon fresh = grant("A", 10, 1);
        GrantedCoupon redelivered = grant("B", 11, 1);
        GrantedCoupon otherSale = new GrantedCoupon("C", 3, 1, 1, 12, 1, 1_000, Instant.EPOCH, Instant.EPOCH, null);
        List<GrantedCoupon> inserted = ConflictCheck.insertedNow(List.of(fresh, redelivered, otherSale),
                java.util.Set.of("B"));

        assertThat(inserted).containsExactly(fresh, otherSale);
        assertThat(ConflictCheck.rowsPerSale(inserted)).containsExactly(Map.entry(3L, 1L), Map.entry(SALE, 1L));
        assertThat(ConflictCheck.rowsPerSale(List.of())).isEmpty();
    }
}
