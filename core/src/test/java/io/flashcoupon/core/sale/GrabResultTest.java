package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrabResultTest {

    @Test
    void granted_reply_maps_code_remaining_and_seq() {
        GrabResult r = GrabResult.fromScriptReply(List.of(1L, 299L, 1L, "0000000000000000007"));
        assertThat(r).isEqualTo(new GrabResult(GrabCode.GRANTED, 299, 1, "0000000000000000007"));
    }

    @Test
    void refusals_carry_no_serial_and_repeats_carry_the_original() {
        assertThat(GrabResult.fromScriptReply(List.of(2L, 0L, 0L, "")).couponSn()).isNull();
        assertThat(GrabResult.fromScriptReply(Arrays.asList(2L, 0L, 0L, null)).couponSn()).isNull();
        assertThat(GrabResult.fromScriptReply(List.of(10L, 5L, 1L, "0000000000000000001")))
                .isEqualTo(new GrabResult(GrabCode.REPEATED, 5, 1, "0000000000000000001"));
    }

    @Test
    void every_script_code_maps_to_its_enum() {
        for (GrabCode c : GrabCode.values()) {
            assertThat(GrabResult.fromScriptReply(List.of((long) c.code(), 0L, 0L, "")).code()).isEqualTo(c);
        }
    }

    @Test
    void unknown_code_is_a_protocol_error_not_an_outcome() {
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(42L, 0L, 0L, "")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("42");
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(0L, 0L, 0L, "")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void malformed_replies_are_rejected() {
        assertThatThrownBy(() -> GrabResult.fromScriptReply(List.of(1L, 2L, 3L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("4-element");
        assertThatThrownBy(() -> GrabResult.fromScriptReply("OK")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> GrabResult.fromScriptReply(Arrays.asList(1L, "x", 1L, "")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("integer");
    }
}
