package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.saga.BranchCredential;
import io.javalin.http.HandlerType;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminAuthTest {
    private final AdminAuth auth = AdminAuth.of(new ServiceConfig.Admin(
            List.of("read-token-0123456789"), List.of("operate-token-0123456789", "operate-token-2-0123456789"), false),
            BranchCredential.of("branch-token-0123456789"));

    @Test
    void mutations_need_operate_dtm_routes_the_branch_token_reads_need_read_probes_and_pages_are_open() {
        assertThat(AdminAuth.required(HandlerType.POST, "/api/v1/activities/1/start")).isEqualTo(AdminAuth.Role.OPERATE);
        assertThat(AdminAuth.required(HandlerType.PUT, "/api/v1/templates/1")).isEqualTo(AdminAuth.Role.OPERATE);
        assertThat(AdminAuth.required(HandlerType.DELETE, "/anything")).isEqualTo(AdminAuth.Role.OPERATE);
        assertThat(AdminAuth.required(HandlerType.POST, "/healthz")).as("open only for reading").isEqualTo(AdminAuth.Role.OPERATE);
        assertThat(AdminAuth.required(HandlerType.GET, "/api/v1/dtm/lock")).isEqualTo(AdminAuth.Role.DTM);
        assertThat(AdminAuth.required(HandlerType.POST, "/api/v1/dtm/use")).isEqualTo(AdminAuth.Role.DTM);
        assertThat(AdminAuth.required(HandlerType.GET, "/api/v1/activities")).isEqualTo(AdminAuth.Role.READ);
        assertThat(AdminAuth.required(HandlerType.GET, "/api/v1/users/42/coupons")).isEqualTo(AdminAuth.Role.READ);
        assertThat(AdminAuth.required(HandlerType.GET, "/no-such-page")).isEqualTo(AdminAuth.Role.READ);
        for (String open : List.of("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/dashboard",
                "/ui/dashboard.js", "/webjars/swagger-ui/5.34.1/swagger-ui.css")) {
            assertThat(AdminAuth.required(HandlerType.GET, open)).as(open).isNull();
        }
    }

    @Test
    void a_token_has_the_role_it_is_listed_under_and_anything_else_has_none() {
        assertThat(auth.roleOf("Bearer read-token-0123456789")).isEqualTo(AdminAuth.Role.READ);
        assertThat(auth.roleOf("Bearer operate-token-2-0123456789")).isEqualTo(AdminAuth.Role.OPERATE);
        assertThat(auth.roleOf("bearer operate-token-0123456789")).as("scheme is case-insensitive").isEqualTo(AdminAuth.Role.OPERATE);
        assertThat(auth.roleOf(null)).isNull();
        assertThat(auth.roleOf("Bearer ")).isNull();
        assertThat(auth.roleOf("operate-token-0123456789")).as("no scheme").isNull();
        assertThat(auth.roleOf("Basic b3BlcmF0ZQ==")).isNull();
        assertThat(auth.roleOf("Bearer operate-token-012345678")).as("a prefix").isNull();
        assertThat(auth.roleOf("Bearer operate-token-01234567890")).as("longer").isNull();
        assertThat(auth.roleOf("Bearer branch-token-0123456789")).as("the branch token is no admin token").isNull();
    }

    @Test
    void a_known_token_is_told_by_its_name_never_its_value() {
        AdminAuth named = AdminAuth.of(new ServiceConfig.Admin(List.of("read-token-0123456789"),
                List.of("operate-token-0123456789", "operate-token-2-0123456789"), false, List.of(), List.of("alice", "bob")),
                io.flashcoupon.core.saga.BranchCredential.of("branch-token-0123456789"));
        assertThat(named.callerOf("Bearer operate-token-2-0123456789"))
                .isEqualTo(new io.flashcoupon.core.auth.AdminTokens.Caller("bob", io.flashcoupon.core.auth.AdminTokens.Role.OPERATE));
        assertThat(named.callerOf("Bearer read-token-0123456789"))
                .isEqualTo(new io.flashcoupon.core.auth.AdminTokens.Caller("read-1", io.flashcoupon.core.auth.AdminTokens.Role.READ));
        assertThat(named.callerOf("Bearer unknown-token-0123456789")).isNull();
    }
}
