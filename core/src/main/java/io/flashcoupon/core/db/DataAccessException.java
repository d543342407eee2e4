package io.flashcoupon.core.db;

/** A database failure (infrastructure, not a business outcome). */
public final class DataAccessException extends RuntimeException {
    public DataAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
