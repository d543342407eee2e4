package io.flashcoupon.core.sale.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PendingPublicationTest {

    @Test
    void an_entry_as_the_grab_script_writes_it_is_parsed_with_and_without_request_ids() {
        PendingPublication p = PendingPublication.parse("i-1:k3:9",
                "1767225600000:3\n0000000000000000007:42:1:1767225600001:r-1\n0000000000000000008:43:2:1767225600002:");
        assertThat(p.batchId()).isEqualTo("i-1:k3:9");
        assertThat(p.createdAtMs()).isEqualTo(1_767_225_600_000L);
        assertThat(p.templateId()).isEqualTo(3);
        assertThat(p.grants()).containsExactly(
                new PendingPublication.Grant("0000000000000000007", 42, 1, 1_767_225_600_001L, "r-1"),
                new PendingPublication.Grant("0000000000000000008", 43, 2, 1_767_225_600_002L, null));
    }

    @Test
    void a_malformed_entry_is_refused_naming_the_batch() {
        assertThatThrownBy(() -> PendingPublication.parse("b1", "1767225600000:3"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b1");
        assertThatThrownBy(() -> PendingPublication.parse("b2", "1767225600000:3\nsn:42:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b2");
        assertThatThrownBy(() -> PendingPublication.parse("b3", "x:3\nsn:42:1:5:"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b3");
    }
}
