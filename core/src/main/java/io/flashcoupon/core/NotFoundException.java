package io.flashcoupon.core;

/** The addressed entity does not exist (HTTP 404, gRPC NOT_FOUND). */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
