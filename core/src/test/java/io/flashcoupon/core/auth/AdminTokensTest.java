package io.flashcoupon.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.config.ServiceConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminTokensTest {
    private final AdminTokens tokens = AdminTokens.of(new ServiceConfig.Admin(List.of("read-token-0123456789"),
            List.of("operate-token-0123456789", "operate-token-2-0123456789"), false, List.of(), List.of("alice", "bob")));

    @Test
    void a_known_token_is_its_name_and_role() {
        assertThat(tokens.callerOf("Bearer operate-token-2-0123456789"))
                .isEqualTo(new AdminTokens.Caller("bob", AdminTokens.Role.OPERATE));
        assertThat(tokens.callerOf("bearer operate-token-0123456789")).as("scheme in any case")
                .isEqualTo(new AdminTokens.Caller("alice", AdminTokens.Role.OPERATE));
        assertThat(tokens.callerOf("Bearer read-token-0123456789"))
                .as("unnamed: role and position").isEqualTo(new AdminTokens.Caller("read-1", AdminTokens.Role.READ));
    }

    @Test
    void anything_but_a_bearer_known_token_is_nobody() {
        assertThat(tokens.callerOf(null)).isNull();
        assertThat(tokens.callerOf("Bearer ")).isNull();
        assertThat(tokens.callerOf("operate-token-0123456789")).as("no scheme").isNull();
        assertThat(tokens.callerOf("Basic b3BlcmF0ZQ==")).isNull();
        assertThat(tokens.callerOf("Bearer operate-token-012345678")).as("a prefix").isNull();
        assertThat(tokens.callerOf("Bearer operate-token-01234567890")).as("longer").isNull();
    }

    @Test
    void operate_includes_read_but_read_is_not_operate() {
        AdminTokens.Caller reader = new AdminTokens.Caller("r", AdminTokens.Role.READ);
        AdminTokens.Caller operator = new AdminTokens.Caller("o", AdminTokens.Role.OPERATE);
        assertThat(reader.may(AdminTokens.Role.READ)).isTrue();
        assertThat(reader.may(AdminTokens.Role.OPERATE)).isFalse();
        assertThat(operator.may(AdminTokens.Role.OPERATE)).isTrue();
        assertThat(operator.may(AdminTokens.Role.READ)).isTrue();
        assertThat(AdminTokens.Role.OPERATE.label()).isEqualTo("operate");
    }

    @Test
    void a_caller_never_shows_its_token() {
        assertThat(tokens.callerOf("Bearer operate-token-0123456789").toString()).doesNotContain("operate-token-0123456789");
    }
}
