package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestockRequestTest {
    private final ApiJson json = new ApiJson(ApiJson.newMapper());

    private List<String> fieldsRefusing(String body) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> json.read(body, RestockRequest.class).requiredAmount());
        assertThat(e).as("expected %s to be refused", body).isNotNull();
        return e.errors().stream().map(FieldError::field).toList();
    }

    @Test
    void amount_is_read_from_an_object() {
        assertThat(json.read("{\"amount\":250}", RestockRequest.class).requiredAmount()).isEqualTo(250);
        // The range is the core's rule (Restock), so a zero reads fine here and is refused there.
        assertThat(json.read("{\"amount\":0}", RestockRequest.class).requiredAmount()).isZero();
    }

    @Test
    void missing_amount_is_refused_naming_it() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> json.read("{}", RestockRequest.class).requiredAmount());
        assertThat(e.errors()).containsExactly(new FieldError("amount", "must be set"));
    }

    @Test
    void amount_must_be_a_json_integer() {
        assertThat(fieldsRefusing("{\"amount\":\"5\"}")).containsExactly("amount");
        assertThat(fieldsRefusing("{\"amount\":1.5}")).containsExactly("amount");
        assertThat(fieldsRefusing("{\"amount\":5.0}")).containsExactly("amount");
        assertThat(fieldsRefusing("{\"amount\":null}")).containsExactly("amount");
        assertThat(fieldsRefusing("{\"amount\":99999999999999999999}")).containsExactly("amount");
    }

    @Test
    void unknown_duplicate_fields_and_non_objects_are_refused() {
        assertThat(fieldsRefusing("{\"amount\":5,\"count\":5}")).containsExactly("count");
        assertThat(fieldsRefusing("{\"amount\":5,\"amount\":6}")).containsExactly("amount");
        assertThat(fieldsRefusing("5")).containsExactly("body");
        assertThat(fieldsRefusing("")).containsExactly("body");
    }
}
