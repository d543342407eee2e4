package io.flashcoupon.ingress;

/** The grab could not be carried out or its outcome is unknown (gRPC UNAVAILABLE, retryable). */
public final class GrabUnavailableException extends RuntimeException {
    public GrabUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
