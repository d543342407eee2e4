package io.flashcoupon.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AuditRecordTest {
    @Test
    void the_log_line_carries_every_field_but_the_states() {
        AuditRecord r = new AuditRecord(0, 1_700_000_000_000L, "alice", "operate", "activity.stop", "activity", "12",
                "req-1", AuditRecord.Outcome.REFUSED, 409, "activity 12 is \"ENDED\"", "{\"big\":1}", "{\"big\":2}");
        assertThat(r.logLine()).isEqualTo("AUDIT actor=alice role=operate action=activity.stop target=activity/12"
                + " outcome=REFUSED status=409 request_id=req-1 at_ms=1700000000000 reason=\"activity 12 is 'ENDED'\"");
        AuditRecord system = new AuditRecord(0, 5, AuditRecord.SYSTEM, AuditRecord.SYSTEM, "activity.pause", "activity",
                null, "fence-1", AuditRecord.Outcome.DONE, null, null, null, null);
        assertThat(system.logLine()).isEqualTo("AUDIT actor=system role=system action=activity.pause target=activity/-"
                + " outcome=DONE request_id=fence-1 at_ms=5");
    }

    @Test
    void an_over_long_reason_is_cut_to_the_column() {
        AuditRecord r = new AuditRecord(0, 1, "a", "operate", "x.y", "activity", "1", "r", AuditRecord.Outcome.REFUSED,
                400, "x".repeat(5000), null, null);
        assertThat(r.reason()).hasSize(AuditRecord.MAX_REASON).endsWith("...");
    }

    @Test
    void a_target_id_filter_needs_its_type() {
        assertThatThrownBy(() -> new AuditQuery(null, null, null, "12", null, null, 0, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
