package io.flashcoupon.core;

import java.util.List;

/** Malformed input; each field error names the field (HTTP 400, gRPC INVALID_ARGUMENT). */
public final class InvalidInputException extends RuntimeException {
    private final List<FieldError> errors;

    public InvalidInputException(List<FieldError> errors) {
        super(describe(errors));
        this.errors = List.copyOf(errors);
    }

    public InvalidInputException(String field, String message) {
        this(List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }

    private static String describe(List<FieldError> errors) {
        StringBuilder sb = new StringBuilder();
        for (FieldError e : errors) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(e.field()).append(' ').append(e.message());
        }
        return sb.toString();
    }
}
