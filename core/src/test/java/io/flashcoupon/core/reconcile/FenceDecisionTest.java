package io.flashcoupon.core.reconcile;

import static io.flashcoupon.core.reconcile.FenceDecision.decide;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.reconcile.FenceDecision.Reason;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FenceDecisionTest {

    @Test
    void a_sale_verified_on_this_redis_with_every_row_in_its_ledger_is_not_fenced() {
        assertThat(decide(false, "run-a", "run-a", true, false, 10, 10)).isEmpty();
        assertThat(decide(false, "run-a", "run-a", true, false, 12, 10)).as("grants still materializing").isEmpty();
        assertThat(decide(false, null, "run-a", true, false, 0, 0)).as("first sight records the run id").isEmpty();
    }

    @Test
    void a_redis_restart_fences_even_when_the_counts_still_add_up() {
        assertThat(decide(false, "run-a", "run-b", true, false, 10, 10)).contains(Reason.REDIS_RESTARTED);
    }

    @Test
    void more_rows_than_ledger_entries_fence_the_sale() {
        assertThat(decide(false, "run-a", "run-a", true, false, 2_118, 5_000)).contains(Reason.LEDGER_BEHIND);
    }

    @Test
    void a_missing_sale_hash_fences_before_anything_else_of_redis_is_trusted() {
        assertThat(decide(false, "run-a", "run-b", false, false, 0, 5)).contains(Reason.SALE_MISSING);
    }

    @Test
    void an_unfinished_heal_recorded_in_mysql_refences_even_when_redis_lost_the_flag() {
        assertThat(decide(true, "run-a", "run-a", true, false, 10, 10)).contains(Reason.HEAL_UNFINISHED);
        assertThat(decide(true, "run-a", "run-a", false, false, 0, 10)).contains(Reason.HEAL_UNFINISHED);
    }

    @Test
    void a_fence_flag_in_redis_alone_is_healed_too() {
        assertThat(decide(false, "run-a", "run-a", true, true, 10, 10)).isEqualTo(Optional.of(Reason.FENCED_IN_REDIS));
    }
}
