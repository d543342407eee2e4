package io.flashcoupon.core.redis;

import java.util.concurrent.CompletionException;

/**
 * Redis answered a call but did not confirm in time that its writes are durable (WAITAOF or WAIT fell
 * short, or failed): whatever the call did may be lost in a crash, so its outcome is unknown and must
 * not be acknowledged. The message says what fell short.
 */
public final class NotDurableException extends RuntimeException {
    private final boolean shortfall;

    public NotDurableException(String message) {
        this(message, false);
    }

    private NotDurableException(String message, boolean shortfall) {
        super(message);
        this.shortfall = shortfall;
    }

    /** A wait that ran and answered, but with fewer acknowledgements than asked (the connection is fine). */
    static NotDurableException shortfall(String message) {
        return new NotDurableException(message, true);
    }

    /** Whether {@code error} (or the cause a CompletionException wraps) is a {@link #shortfall}. */
    static boolean isShortfall(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return t instanceof NotDurableException n && n.shortfall;
    }
}
