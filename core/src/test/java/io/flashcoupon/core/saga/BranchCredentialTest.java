package io.flashcoupon.core.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BranchCredentialTest {
    private static final BranchCredential DTM = BranchCredential.of("branch-token-0123456789");

    @Test
    void the_value_is_the_hex_hmac_sha256_of_the_gid_keyed_by_the_secret() {
        // RFC 4231 test case 2
        assertThat(BranchCredential.of("Jefe").forSaga("what do ya want for nothing?"))
                .isEqualTo("Bearer 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // what the walk-through's openssl line prints for the shipped dev secret
        assertThat(BranchCredential.of("dev-saga-branch-token-change-me").forSaga("g-1001"))
                .isEqualTo("Bearer cc74e917e3ee2a155bf38576b691e06eaf8f9634c687c7990b318bc7e6ae649f");
    }

    @Test
    void a_value_opens_the_branches_of_its_own_saga_only() {
        String forA = DTM.forSaga("gid-a");
        assertThat(DTM.accepts("gid-a", forA)).isTrue();
        assertThat(DTM.accepts("gid-a", "bearer " + forA.substring(7))).as("scheme is case-insensitive").isTrue();
        assertThat(DTM.accepts("gid-b", forA)).as("another Saga's value").isFalse();
        assertThat(DTM.accepts(null, forA)).as("no gid").isFalse();
        assertThat(DTM.accepts("", forA)).as("empty gid").isFalse();
    }

    @Test
    void the_secret_itself_and_malformed_values_are_refused() {
        assertThat(DTM.accepts("gid-a", "Bearer branch-token-0123456789")).as("the bare secret").isFalse();
        assertThat(DTM.accepts("gid-a", null)).isFalse();
        assertThat(DTM.accepts("gid-a", "Bearer ")).isFalse();
        assertThat(DTM.accepts("gid-a", DTM.forSaga("gid-a").substring(7))).as("no scheme").isFalse();
        assertThat(DTM.accepts("gid-a", DTM.forSaga("gid-a").substring(0, 70))).as("a prefix").isFalse();
        assertThat(BranchCredential.of("another-secret-0123456789").accepts("gid-a", DTM.forSaga("gid-a")))
                .as("keyed by another secret").isFalse();
        assertThat(DTM.toString()).doesNotContain("branch-token");
        assertThatThrownBy(() -> DTM.forSaga("")).isInstanceOf(IllegalArgumentException.class);
    }
}
