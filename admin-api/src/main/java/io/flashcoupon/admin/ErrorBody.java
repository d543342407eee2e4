package io.flashcoupon.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flashcoupon.core.FieldError;
import java.util.List;

/** Every error reply: {"error":"<code>","message":"...","fields":[...]}; fields only for field errors. */
record ErrorBody(
        String error,
        String message,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FieldError> fields) {

    static ErrorBody of(ApiError error, String message) {
        return new ErrorBody(error.code(), message, List.of());
    }
}
