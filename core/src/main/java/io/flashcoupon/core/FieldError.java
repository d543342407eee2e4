package io.flashcoupon.core;

/** One invalid input field and what is wrong with it. */
public record FieldError(String field, String message) {
    @Override
    public String toString() {
        return field + " " + message;
    }
}
