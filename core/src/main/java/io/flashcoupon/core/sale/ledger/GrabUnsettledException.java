package io.flashcoupon.core.sale.ledger;

/**
 * A grab through the {@link GrantLedger} that has no answer: the grab script of its batch failed,
 * timed out or could not be confirmed on disk (redis.durability), so whether it granted is unknown.
 * If it did, the grant and its publication outbox entry are in Redis and its event will be sent; a
 * retry with the same request id learns the outcome.
 */
public final class GrabUnsettledException extends Exception {

    GrabUnsettledException(Throwable cause) {
        super("Redis did not answer or did not confirm the grab on disk: the grab's outcome is unknown;"
                + " retry with the same request_id to learn it", cause);
    }
}
