package io.flashcoupon.core.sale;

import io.flashcoupon.core.activity.ActivityStatus;
import java.util.List;

/**
 * What lua/restock.lua answered: the outcome, and the sale's status, total and stock as Redis holds
 * them (after the change when RESTOCKED; status null when the sale is not in Redis).
 */
public record RestockResult(Outcome outcome, ActivityStatus status, long total, long stock) {

    public enum Outcome {
        /** total and stock were raised by the amount. */
        RESTOCKED,
        /** The sale is not ACTIVE or PAUSED in Redis; nothing changed. */
        REFUSED_BY_STATUS,
        /** Redis holds a different total than the caller read; nothing changed. */
        TOTAL_CHANGED,
        /** The sale is not in Redis; nothing changed. */
        NOT_IN_REDIS
    }

    private static final Outcome[] BY_CODE = {
        Outcome.NOT_IN_REDIS, Outcome.RESTOCKED, Outcome.REFUSED_BY_STATUS, Outcome.TOTAL_CHANGED
    };

    /** Maps the script's reply {code, status, total, stock}; anything else is a protocol error. */
    static RestockResult fromScriptReply(Object reply) {
        List<?> list = ScriptReplies.integers(reply, 4, "restock");
        long code = (Long) list.get(0);
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalStateException("restock script returned unknown code " + code);
        }
        Outcome outcome = BY_CODE[(int) code];
        long status = (Long) list.get(1);
        return new RestockResult(outcome,
                outcome == Outcome.NOT_IN_REDIS ? null : ActivityStatus.ofCode((int) status),
                (Long) list.get(2), (Long) list.get(3));
    }
}
