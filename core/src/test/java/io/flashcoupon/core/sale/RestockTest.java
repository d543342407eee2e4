package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.activity.ActivityStatus;
import org.junit.jupiter.api.Test;

class RestockTest {

    @Test
    void amounts_from_one_to_ten_million_are_accepted() {
        assertThat(Restock.checkAmount(1)).isEqualTo(1);
        assertThat(Restock.checkAmount(10_000_000)).isEqualTo(10_000_000);
    }

    @Test
    void zero_negative_and_absurd_amounts_are_refused_naming_amount() {
        for (long bad : new long[] {0, -1, 10_000_001, Long.MAX_VALUE, Long.MIN_VALUE}) {
            InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Restock.checkAmount(bad));
            assertThat(e).as("amount %d", bad).isNotNull();
            assertThat(e.errors()).extracting(FieldError::field).containsExactly("amount");
            assertThat(e.getMessage()).contains(Long.toString(bad));
        }
    }

    @Test
    void a_total_past_the_int_column_is_refused() {
        Restock.checkNewTotal(Integer.MAX_VALUE - 5L, 5);
        assertThatThrownBy(() -> Restock.checkNewTotal(Integer.MAX_VALUE - 5L, 6))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("amount would raise total_count");
    }

    @Test
    void only_a_pending_row_is_refused_before_redis_which_judges_every_other_status() {
        assertThatThrownBy(() -> Restock.checkStarted(3, ActivityStatus.PENDING)).isInstanceOf(ConflictException.class)
                .hasMessage("activity 3 is PENDING; only an ACTIVE or PAUSED sale can be restocked");
        // An ENDED row still reaches Redis: a replay of a restock applied before the stop answers RESTOCKED.
        Restock.checkStarted(3, ActivityStatus.ACTIVE);
        Restock.checkStarted(3, ActivityStatus.PAUSED);
        Restock.checkStarted(3, ActivityStatus.ENDED);
    }

    @Test
    void the_refusals_name_the_status_redis_holds() {
        assertThat(Restock.refusal(3, ActivityStatus.ENDED))
                .isEqualTo("activity 3 is ENDED; a sale that ended cannot be restocked");
        assertThat(Restock.refusal(3, ActivityStatus.PENDING))
                .isEqualTo("activity 3 is PENDING; only an ACTIVE or PAUSED sale can be restocked");
    }
}
