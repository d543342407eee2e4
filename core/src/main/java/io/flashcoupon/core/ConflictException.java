package io.flashcoupon.core;

/** The request is valid but the entity's state refuses it (HTTP 409, gRPC FAILED_PRECONDITION). */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
