package io.flashcoupon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SalePageTest {
    @Test
    void a_poll_answered_before_its_next_tick_skips_nothing() {
        assertThat(SalePage.ticksPassed(1_000, 1_500, 1_000)).isZero();
        assertThat(SalePage.ticksPassed(1_000, 2_000, 1_000)).as("answered exactly at the next tick").isZero();
    }

    @Test
    void ticks_that_passed_while_the_poll_was_unanswered_are_skipped_not_stacked() {
        assertThat(SalePage.ticksPassed(1_000, 2_001, 1_000)).isEqualTo(1);
        assertThat(SalePage.ticksPassed(1_000, 3_000, 1_000)).isEqualTo(1);
        assertThat(SalePage.ticksPassed(1_000, 3_001, 1_000)).isEqualTo(2);
        assertThat(SalePage.ticksPassed(0, 10_500, 1_000)).isEqualTo(10);
    }
}
