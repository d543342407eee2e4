package io.flashcoupon.core.sale.ledger;

/**
 * A grab through the {@link GrantLedger} that was not answered by its script: either nothing was tried
 * (the broker refused a batch's events within the last second, so no grant is made until it takes
 * them again), or the outcome is unknown (the batch's script failed, timed out or could not be
 * confirmed on disk, or it granted but the broker did not store the grant's event, which then waits in
 * the publication outbox). A retry with the same request id learns the outcome.
 */
public final class GrabUnsettledException extends Exception {
    /** Why the grab has no answer. */
    public enum Reason {
        /** Nothing was tried: the broker is refusing the grabs' events. */
        BROKER_UNAVAILABLE("the event broker is not storing grab events; nothing was granted, retry shortly"),
        /** Redis failed, timed out or did not confirm the batch on disk. */
        OUTCOME_UNKNOWN("Redis did not answer or did not confirm the grab on disk: the grab's outcome is unknown;"
                + " retry with the same request_id to learn it"),
        /** Granted and durable in Redis, but its event is in the publication outbox, not in the broker. */
        EVENT_NOT_STORED("the grab may have been granted but the event broker did not store its event (it will be"
                + " delivered from the publication outbox); retry with the same request_id to learn the outcome");

        private final String message;

        Reason(String message) {
            this.message = message;
        }
    }

    private final Reason reason;

    GrabUnsettledException(Reason reason, Throwable cause) {
        super(reason.message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
