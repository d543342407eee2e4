package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.InvalidInputException;
import org.junit.jupiter.api.Test;

class PageTokenTest {
    @Test
    void empty_is_the_first_page_and_an_issued_token_the_id_to_continue_below() {
        assertThat(PageToken.before("")).isZero();
        assertThat(PageToken.before("42")).isEqualTo(42);
    }

    @Test
    void zero_negative_and_non_numeric_tokens_are_invalid_not_the_first_page() {
        for (String bad : new String[] {"0", "-5", "abc", "1.5", "99999999999999999999"}) {
            assertThatThrownBy(() -> PageToken.before(bad)).as(bad).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("page_token");
        }
    }
}
