package io.flashcoupon.core.sale.ledger;

/**
 * A grab through the {@link GrantLedger} that has no answer: the broker refused its half message
 * (nothing was granted), or the grab script failed midway (its outcome is unknown until the
 * check-back reads the ledger). Either way the client may retry; the message says how.
 */
public final class GrabUnsettledException extends Exception {
    /** Why the grab has no answer. */
    public enum Reason {
        /** The half message was not stored: the grab script never ran, nothing was granted. */
        BROKER_REFUSED("the event broker refused the grab; nothing was granted"),
        /**
         * Redis failed mid-grab, or could not confirm the grant on disk (redis.durability): the local
         * transaction answered UNKNOW, the check-back decides.
         */
        OUTCOME_UNKNOWN("Redis did not answer or did not confirm the grab on disk: the grab's outcome is unknown;"
                + " retry with the same request_id to learn it");

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
