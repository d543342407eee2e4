package io.flashcoupon.core.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import org.junit.jupiter.api.Test;

class OperationIdTest {

    @Test
    void a_key_the_operator_gives_is_the_operation_id() {
        assertThat(OperationId.givenOrFresh("Idempotency-Key", "restock-2030-01-01.a:1"))
                .isEqualTo(new OperationId("restock-2030-01-01.a:1"));
        String uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        assertThat(OperationId.givenOrFresh("Idempotency-Key", uuid).value()).isEqualTo(uuid);
        assertThat(OperationId.givenOrFresh("Idempotency-Key", "k".repeat(64)).value()).hasSize(64);
    }

    @Test
    void without_a_key_every_call_is_a_new_operation() {
        OperationId a = OperationId.givenOrFresh("Idempotency-Key", null);
        OperationId b = OperationId.givenOrFresh("Idempotency-Key", null);
        assertThat(a).isNotEqualTo(b);
        assertThat(OperationId.fresh()).isNotEqualTo(OperationId.fresh());
        assertThat(a.value()).matches("[0-9a-f-]{36}");
    }

    @Test
    void an_empty_long_or_odd_key_is_a_400_naming_the_header() {
        for (String bad : new String[] {"", "k".repeat(65), "has space", "semi;colon", "ünïcode", "tab\t"}) {
            InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                    () -> OperationId.givenOrFresh("Idempotency-Key", bad));
            assertThat(e).as("key [%s]", bad).isNotNull();
            assertThat(e.errors()).extracting(FieldError::field).containsExactly("Idempotency-Key");
            assertThat(e.getMessage()).contains("1 to 64 characters");
        }
    }

    @Test
    void an_invalid_id_cannot_be_built_in_code_either() {
        assertThatThrownBy(() -> new OperationId("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OperationId(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
