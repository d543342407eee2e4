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
    void a_replayed_restock_maps_to_restocked_with_the_figures_recorded_by_its_first_run() {
        // What restock.lua answers the second time it runs with the same operation id: code 1 and the
        // figures right after the first run, although the sale has since sold 40 and been paused.
        RestockResult first = RestockResult.fromScriptReply(List.of(1L, 2L, 150L, 60L));
        RestockResult replay = RestockResult.fromScriptReply(List.of(1L, 2L, 150L, 60L));
        assertThat(replay).isEqualTo(first);
        assertThat(replay.outcome()).isEqualTo(RestockResult.Outcome.RESTOCKED);
    }

    @Test
    void an_operation_id_reused_for_another_amount_maps_to_its_own_outcome() {
        assertThat(RestockResult.fromScriptReply(List.of(4L, 3L, 150L, 20L)))
                .isEqualTo(new RestockResult(RestockResult.Outcome.OPERATION_REUSED, ActivityStatus.PAUSED, 150, 20));
        assertThat(RestockResult.fromScriptReply(List.of(4L, 0L, 0L, 0L)))
                .as("reused, sale since gone").isEqualTo(new RestockResult(RestockResult.Outcome.OPERATION_REUSED,
                        null, 0, 0));
    }

    @Test
    void cleanup_answers_map_to_removed_with_the_count_or_the_refusal() {
        assertThat(SaleStore.CleanupResult.fromScriptReply(6))
                .isEqualTo(new SaleStore.CleanupResult(SaleStore.CleanupResult.Outcome.REMOVED, 6));
        assertThat(SaleStore.CleanupResult.fromScriptReply(0).outcome())
                .isEqualTo(SaleStore.CleanupResult.Outcome.NOT_IN_REDIS);
        assertThat(SaleStore.CleanupResult.fromScriptReply(-1).outcome())
                .isEqualTo(SaleStore.CleanupResult.Outcome.NOT_ENDED);
        assertThat(SaleStore.CleanupResult.fromScriptReply(-2).outcome())
                .isEqualTo(SaleStore.CleanupResult.Outcome.CHANGED);
        assertThatThrownBy(() -> SaleStore.CleanupResult.fromScriptReply(-3))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown code -3");
    }

    @Test
    void a_cleanup_tombstone_names_its_operation_and_count_even_when_the_id_has_colons() {
        assertThat(SaleStore.Tombstone.parse("6:ops:cleanup:7"))
                .isEqualTo(new SaleStore.Tombstone(new OperationId("ops:cleanup:7"), 6));
        for (String bad : new String[] {"6", ":op", "x:op", "6:", "6:has space"}) {
            assertThatThrownBy(() -> SaleStore.Tombstone.parse(bad)).as(bad)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("keysDeleted:operationId");
        }
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
