package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SaleSegmentsTest {
    private static final Instant T = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void a_loan_recorded_by_the_donor_and_not_by_its_receiver_is_in_flight() {
        List<Map<String, String>> records = List.of(
                Map.of("t1", "in:1:5:100", "t3", "out:2:1:300"),
                Map.of("t1", "out:0:5:99", "t2", "out:0:3:200"),
                Map.of("t3", "in:0:1:301"));
        assertThat(SaleSegments.inFlight(records))
                .containsExactly(new SaleSegments.Transfer("t2", 1, 0, 3));
        assertThat(SaleSegments.unrecordedLoans(records)).isEmpty();
    }

    @Test
    void a_loan_its_receiver_holds_and_its_donor_lost_is_found_for_the_heal() {
        List<Map<String, String>> records = List.of(
                Map.of("t1", "in:1:5:100"),
                Map.of(),
                Map.of());
        assertThat(SaleSegments.unrecordedLoans(records))
                .containsExactly(new SaleSegments.Transfer("t1", 1, 0, 5));
        assertThat(SaleSegments.inFlight(records)).isEmpty();
    }

    @Test
    void a_record_naming_a_segment_outside_the_sale_counts_as_unmatched() {
        assertThat(SaleSegments.inFlight(List.of(Map.of("t9", "out:7:2:1"), Map.of())))
                .containsExactly(new SaleSegments.Transfer("t9", 0, 7, 2));
    }

    @Test
    void a_segments_quota_is_its_total_plus_what_it_borrowed_less_what_it_lent() {
        SaleStore.SaleState s = new SaleStore.SaleState(ActivityStatus.ACTIVE, 100, 0, Map.of(), Map.of(),
                Map.of("a", "in:1:7:1", "b", "out:2:3:2", "c", "in:2:1:3"));
        assertThat(SaleSegments.quota(s)).isEqualTo(105);
    }

    @Test
    void a_chunk_is_a_quarter_of_a_share_at_most_half_the_donors_stock_and_at_least_one() {
        Activity a = new Activity(1, 1, "x", 1200, T, T.plusSeconds(60), 1, ActivityStatus.ACTIVE, 3);
        assertThat(SaleSegments.chunk(a, 400)).isEqualTo(100);
        assertThat(SaleSegments.chunk(a, 41)).isEqualTo(21);
        assertThat(SaleSegments.chunk(a, 1)).isEqualTo(1);
        Activity tiny = new Activity(1, 1, "x", 3, T, T.plusSeconds(60), 1, ActivityStatus.ACTIVE, 3);
        assertThat(SaleSegments.chunk(tiny, 1)).isEqualTo(1);
    }
}
