package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.ActivityStatus;
import org.junit.jupiter.api.Test;

class SaleTransitionTest {

    @Test
    void each_transition_leaves_only_from_its_allowed_states() {
        assertThat(ActivityStatus.values()).filteredOn(SaleTransition.PAUSE::allowedFrom)
                .containsExactly(ActivityStatus.ACTIVE);
        assertThat(ActivityStatus.values()).filteredOn(SaleTransition.RESUME::allowedFrom)
                .containsExactly(ActivityStatus.PAUSED);
        assertThat(ActivityStatus.values()).filteredOn(SaleTransition.STOP::allowedFrom)
                .containsExactly(ActivityStatus.ACTIVE, ActivityStatus.PAUSED);
    }

    @Test
    void nothing_leaves_ended_or_pending() {
        for (SaleTransition t : SaleTransition.values()) {
            assertThat(t.allowedFrom(ActivityStatus.ENDED)).as(t.name()).isFalse();
            assertThat(t.allowedFrom(ActivityStatus.PENDING)).as(t.name()).isFalse();
            assertThat(t.allowedFrom(t.target())).as("%s is not a no-op", t).isFalse();
        }
    }

    @Test
    void targets_are_the_lifecycle_states() {
        assertThat(SaleTransition.PAUSE.target()).isEqualTo(ActivityStatus.PAUSED);
        assertThat(SaleTransition.RESUME.target()).isEqualTo(ActivityStatus.ACTIVE);
        assertThat(SaleTransition.STOP.target()).isEqualTo(ActivityStatus.ENDED);
    }

    @Test
    void refusal_names_the_activity_its_status_and_what_is_required() {
        assertThat(SaleTransition.PAUSE.refusal(7, ActivityStatus.ENDED))
                .isEqualTo("activity 7 is ENDED; only an ACTIVE sale can be paused");
        assertThat(SaleTransition.RESUME.refusal(7, ActivityStatus.ACTIVE))
                .isEqualTo("activity 7 is ACTIVE; only a PAUSED sale can be resumed");
        assertThat(SaleTransition.STOP.refusal(8, ActivityStatus.PENDING))
                .isEqualTo("activity 8 is PENDING; only an ACTIVE or PAUSED sale can be stopped");
    }
}
