package io.flashcoupon.core.sale;

/** Redis failed or did not answer in time: the outcome of the call is unknown. */
public final class SaleStoreException extends RuntimeException {
    public SaleStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
