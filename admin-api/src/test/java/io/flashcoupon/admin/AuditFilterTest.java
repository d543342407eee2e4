package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.audit.AuditQuery;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditFilterTest {
    private static Map<String, List<String>> params(String... kv) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.computeIfAbsent(kv[i], k -> new java.util.ArrayList<>()).add(kv[i + 1]);
        }
        return m;
    }

    @Test
    void no_parameter_reads_the_first_page_of_everything() {
        AuditFilter.Parsed p = AuditFilter.parse(Map.of());
        assertThat(p.query()).isEqualTo(new AuditQuery(null, null, null, null, null, null, 0,
                PageRequest.DEFAULT_SIZE + 1));
    }

    @Test
    void every_filter_and_the_page_reach_the_query() {
        AuditFilter.Parsed p = AuditFilter.parse(params("actor", "alice", "action", "activity.start",
                "target_type", "activity", "target_id", "12", "from", "2026-01-01T00:00:00Z",
                "to", "2026-01-02T00:00:00Z", "page_size", "10", "page_token", "500"));
        assertThat(p.query()).isEqualTo(new AuditQuery("alice", "activity.start", "activity", "12",
                Instant.parse("2026-01-01T00:00:00Z").toEpochMilli(), Instant.parse("2026-01-02T00:00:00Z").toEpochMilli(),
                500, 11));
    }

    @Test
    void bad_filters_are_400s_naming_the_parameter() {
        assertRefused(params("actr", "alice"), "actr", "is not a filter of the audit log");
        assertRefused(params("actor", "alice", "actor", "bob"), "actor", "at most once");
        assertRefused(params("actor", "has space"), "actor", "must be a token name");
        assertRefused(params("action", "START"), "action", "must look like activity.start");
        assertRefused(params("target_type", "user"), "target_type", "must be one of");
        assertRefused(params("target_id", "12"), "target_id", "needs target_type");
        assertRefused(params("from", "yesterday"), "from", "ISO-8601");
        assertRefused(params("from", "2026-01-01T00:00:00-21:15"), "from", "offset up to 18:00");
        assertRefused(params("from", "2026-01-02T00:00:00Z", "to", "2026-01-01T00:00:00Z"), "to", "must be after from");
        assertRefused(params("page_token", "abc"), "page_token", "next_page_token of a previous page");
        assertRefused(params("page_size", "0"), "page_size", "between 1 and");
        assertRefused(params("to", ""), "to", "must not be empty");
        assertRefused(params("actor", ""), "actor", "must not be empty");
        assertThat(AuditFilter.parse(params("page_token", "")).page().beforeId()).isZero();
    }

    private static void assertRefused(Map<String, List<String>> params, String field, String message) {
        assertThatThrownBy(() -> AuditFilter.parse(params)).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).errors().get(0).field()).isEqualTo(field))
                .hasMessageContaining(message);
    }
}
