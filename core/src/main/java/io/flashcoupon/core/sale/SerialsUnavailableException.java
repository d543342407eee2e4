package io.flashcoupon.core.sale;

/**
 * No coupon_sn can be issued now: this process does not hold the lease on its node id (lost to
 * another process, expired while Redis was unreachable, or released at a stop), or its high-water
 * mark could not be moved ahead. Nothing was granted; the grab may be retried (UNAVAILABLE).
 */
public final class SerialsUnavailableException extends RuntimeException {
    public SerialsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
