package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.activity.ActivityStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleScriptRepliesTest {

    @Test
    void transition_reply_maps_changed_and_the_status_found() {
        assertThat(TransitionResult.fromScriptReply(List.of(1L, 2L)))
                .isEqualTo(new TransitionResult(true, ActivityStatus.ACTIVE));
        assertThat(TransitionResult.fromScriptReply(List.of(0L, 4L)))
                .isEqualTo(new TransitionResult(false, ActivityStatus.ENDED));
        assertThat(TransitionResult.fromScriptReply(List.of(0L, 0L)))
                .as("not in Redis").isEqualTo(new TransitionResult(false, null));
    }

    @Test
    void restock_reply_maps_each_outcome() {
        assertThat(RestockResult.fromScriptReply(List.of(1L, 2L, 150L, 60L)))
                .isEqualTo(new RestockResult(RestockResult.Outcome.RESTOCKED, ActivityStatus.ACTIVE, 150, 60));
        assertThat(RestockResult.fromScriptReply(List.of(2L, 4L, 100L, 10L)).outcome())
                .isEqualTo(RestockResult.Outcome.REFUSED_BY_STATUS);
        assertThat(RestockResult.fromScriptReply(List.of(3L, 3L, 120L, 30L)))
                .isEqualTo(new RestockResult(RestockResult.Outcome.TOTAL_CHANGED, ActivityStatus.PAUSED, 120, 30));
        assertThat(RestockResult.fromScriptReply(List.of(0L, 0L, 0L, 0L)))
                .isEqualTo(new RestockResult(RestockResult.Outcome.NOT_IN_REDIS, null, 0, 0));
    }

    @Test
    void malformed_replies_are_protocol_errors_not_outcomes() {
        assertThatThrownBy(() -> RestockResult.fromScriptReply(List.of(9L, 2L, 1L, 1L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown code 9");
        assertThatThrownBy(() -> RestockResult.fromScriptReply(List.of(1L, 2L, 1L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("4-element");
        assertThatThrownBy(() -> TransitionResult.fromScriptReply(List.of(1L, "2")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("integer");
        assertThatThrownBy(() -> TransitionResult.fromScriptReply(List.of(1L, 9L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9");
    }
}
