package io.flashcoupon.core.redis;

/**
 * Redis answered a call but did not confirm in time that its writes are durable (WAITAOF or WAIT fell
 * short, or failed): whatever the call did may be lost in a crash, so its outcome is unknown and must
 * not be acknowledged. The message says what fell short.
 */
public final class NotDurableException extends RuntimeException {
    public NotDurableException(String message) {
        super(message);
    }
}
