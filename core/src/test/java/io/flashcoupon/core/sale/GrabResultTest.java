package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrabResultTest {

    @Test
    void granted_reply_maps_code_remaining_and_seq() {
        GrabResult r = GrabResult.fromScriptReply(List.of(1L, 299L, 1L, "0000000000000000007", 0L));
        assertThat(r).isEqualTo(new GrabResult(GrabCode.GRANTED, 299, 1, "0000000000000000007"));
    }

    @Test
    void refusals_carry_no_serial_and_repeats_carry_the_original() {
        assertThat(GrabResult.fromScriptReply(List.of(2L, 0L, 0L, "", 0L)).couponSn()).isNull();
        assertThat(GrabResult.fromScriptReply(Arrays.asList(2L, 0L, 0L, null, 0L)).couponSn()).isNull();
        assertThat(GrabResult.fromScriptReply(List.of(10L, 5L, 1L, "0000000000000000001", 0L)))
                .isEqualTo(new GrabResult(GrabCode.REPEATED, 5, 1, "0000000000000000001"));
    }

    @Test
    void a_collision_is_its_own_code_with_no_serial_so_the_ingress_retries_instead_of_answering_a_grant() {
        GrabResult r = GrabResult.fromScriptReply(List.of(11L, 40L, 0L, "", 0L));
        assertThat(r).isEqualTo(new GrabResult(GrabCode.SN_COLLISION, 40, 0, null));
        assertThat(r.code()).isNotEqualTo(GrabCode.GRANTED);
    }

    @Test
    void a_refusal_recorded_by_an_earlier_attempt_of_the_request_is_marked_recorded() {
        GrabResult r = GrabResult.fromScriptReply(List.of(2L, 30L, 1L, "", 1L));
        assertThat(r).isEqualTo(new GrabResult(GrabCode.SOLD_OUT, 30, 1, null, true));
        assertThat(GrabResult.fromScriptReply(List.of(2L, 0L, 1L, "", 0L)).recorded()).isFalse();
    }

    @Test
    void a_grant_can_never_be_a_recorded_refusal() {
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(1L, 3L, 1L, "0000000000000000001", 1L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("only a refusal");
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(10L, 3L, 1L, "0000000000000000001", 1L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("only a refusal");
    }

    @Test
    void every_script_code_maps_to_its_enum() {
        for (GrabCode c : GrabCode.values()) {
            assertThat(GrabResult.fromScriptReply(List.of((long) c.code(), 0L, 0L, "", 0L)).code()).isEqualTo(c);
        }
    }

    @Test
    void unknown_code_is_a_protocol_error_not_an_outcome() {
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(42L, 0L, 0L, "", 0L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("42");
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(0L, 0L, 0L, "", 0L)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void malformed_replies_are_rejected() {
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(1L, 2L, 3L, "")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("5-element");
        assertThatThrownBy(() -> GrabResult.fromScriptReply("OK")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> GrabResult.fromScriptReply(Arrays.asList(1L, "x", 1L, "", 0L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("integer");
    }

    @Test
    void a_batch_reply_maps_five_elements_per_grab_in_order() {
        List<GrabResult> rs = GrabResult.fromBatchReply(List.of(
                1L, 9L, 1L, "0000000000000000007", 0L,
                3L, 9L, 2L, "", 0L,
                2L, 0L, 0L, "", 1L), 3);
        assertThat(rs).containsExactly(
                new GrabResult(GrabCode.GRANTED, 9, 1, "0000000000000000007"),
                new GrabResult(GrabCode.LIMIT_REACHED, 9, 2, null),
                new GrabResult(GrabCode.SOLD_OUT, 0, 0, null, true));
    }

    @Test
    void a_batch_reply_of_the_wrong_size_is_a_protocol_error() {
        assertThatThrownBy(() -> GrabResult.fromBatchReply(List.of(1L, 9L, 1L, "0000000000000000007", 0L), 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("each of 2 grabs");
        assertThatThrownBy(() -> GrabResult.fromBatchReply("OK", 1)).isInstanceOf(IllegalStateException.class);
    }
}
