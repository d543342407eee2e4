package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.http.HandlerType;
import org.junit.jupiter.api.Test;

class AuditedCallTest {
    @Test
    void every_mutating_operator_route_is_an_action_on_its_target() {
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/templates"))
                .isEqualTo(new AuditedCall("template.create", "template", null));
        assertThat(AuditedCall.of(HandlerType.PUT, "/api/v1/templates/7"))
                .isEqualTo(new AuditedCall("template.update", "template", "7"));
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities"))
                .isEqualTo(new AuditedCall("activity.create", "activity", null));
        for (String verb : new String[] {"start", "pause", "resume", "stop", "restock", "reconcile", "cleanup"}) {
            assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/12/" + verb))
                    .isEqualTo(new AuditedCall("activity." + verb, "activity", "12"));
        }
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/12/conflicts/SN1/resolve"))
                .isEqualTo(new AuditedCall("grant_conflict.resolve", "grant_conflict", "12/SN1"));
    }

    @Test
    void reads_computations_saga_branches_and_unknown_paths_are_not_recorded() {
        assertThat(AuditedCall.of(HandlerType.GET, "/api/v1/activities/12")).isNull();
        assertThat(AuditedCall.of(HandlerType.GET, "/api/v1/activities/12/start")).isNull();
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/users/5/coupons/calculate")).isNull();
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/dtm/lock")).isNull();
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/12/explode")).isNull();
        assertThat(AuditedCall.of(HandlerType.DELETE, "/api/v1/templates/7")).isNull();
    }

    @Test
    void a_path_id_is_kept_as_given_and_cut_to_the_column_size() {
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/abc/start").targetId()).isEqualTo("abc");
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/" + "9".repeat(100) + "/stop").targetId())
                .hasSize(AuditedCall.MAX_TARGET_ID);
    }

    @Test
    void a_path_id_is_recorded_as_the_route_reads_it_so_filters_by_target_find_the_call() {
        // the routes URL-decode path parameters and parse ids as decimals: 012 and 1%32 act on activity 12
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/012/start").targetId()).isEqualTo("12");
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/1%32/stop").targetId()).isEqualTo("12");
        assertThat(AuditedCall.of(HandlerType.PUT, "/api/v1/templates/%30%37").targetId()).isEqualTo("7");
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/0012/conflicts/S%4E+1/resolve").targetId())
                .isEqualTo("12/SN+1");
        // not an id the routes accept: kept (decoded) as given, the call is refused anyway
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/1%zz/start").targetId()).isEqualTo("1%zz");
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/00/start").targetId()).isEqualTo("0");
        assertThat(AuditedCall.of(HandlerType.POST, "/api/v1/activities/%0A1/start").targetId()).isEqualTo("%0A1");
    }
}
