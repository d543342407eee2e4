package io.flashcoupon.core.saga;

/** What a Saga branch call did. Only REFUSED is a failure (DTM FAILURE: the Saga rolls back). */
public enum BranchEffect {
    /** The status change (and its event) committed now. */
    APPLIED,
    /** A repeated call of a branch that already ran: no second effect. */
    DUPLICATE,
    /** A compensation whose action never ran: nothing done, and the action is now barred. */
    NULL_COMPENSATION,
    /** A compensation that found the coupon no longer as its action left it (e.g. a lock the
     *  expiry job released): nothing done. */
    NOTHING_TO_UNDO,
    /**
     * A compensation whose payload (or DTM context) could not be read: nothing undone - its action,
     * sent the same payload, was refused - and answered SUCCESS, since DTM retries a compensation
     * that fails for ever and the Saga would never finish rolling back. Logged.
     */
    UNREADABLE,
    /** The action was refused; {@link Refusal} says why and nothing changed. */
    REFUSED
}
