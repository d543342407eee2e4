package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LedgerEntryTest {

    @Test
    void a_value_written_by_the_grab_script_reads_back() {
        LedgerEntry e = LedgerEntry.parse("0123456789012345678", "42:2:1767225600123").orElseThrow();
        assertThat(e).isEqualTo(new LedgerEntry("0123456789012345678", 42, 2, 1_767_225_600_123L));
    }

    @Test
    void values_not_in_the_grab_scripts_format_are_unreadable() {
        assertThat(LedgerEntry.parse("sn", "42:1")).isEmpty();
        assertThat(LedgerEntry.parse("sn", "42:1:x")).isEmpty();
        assertThat(LedgerEntry.parse("sn", "42:0:1")).as("seq starts at 1").isEmpty();
        assertThat(LedgerEntry.parse("sn", "42:1:1:9")).isEmpty();
        assertThat(LedgerEntry.parse("sn", null)).isEmpty();
    }
}
