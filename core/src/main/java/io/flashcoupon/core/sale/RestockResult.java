package io.flashcoupon.core.sale;

import io.flashcoupon.core.activity.ActivityStatus;
import java.util.List;

/**
 * What lua/restock.lua answered: the outcome, and the sale's status, total and stock as Redis holds
 * them (right after the change when RESTOCKED, also when the change was made earlier under the same
 * operation id and this is its replay; status null when the sale is not in Redis).
 */
public record RestockResult(Outcome outcome, ActivityStatus status, long total, long stock) {

    public enum Outcome {
        /** total and stock were raised by the amount, by this call or earlier under its operation id. */
        RESTOCKED,
        /** The sale is not ACTIVE or PAUSED in Redis; nothing changed. */
        REFUSED_BY_STATUS,
        /** Redis holds a different total than the caller read; nothing changed. */
        TOTAL_CHANGED,
        /** The sale is not in Redis; nothing changed. */
        NOT_IN_REDIS,
        /** The operation id was recorded for a different operation (another amount); nothing changed. */
        OPERATION_REUSED
    }

    private static final Outcome[] BY_CODE = {
        Outcome.NOT_IN_REDIS, Outcome.RESTOCKED, Outcome.REFUSED_BY_STATUS, Outcome.TOTAL_CHANGED,
        Outcome.OPERATION_REUSED
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
                status == 0 ? null : ActivityStatus.ofCode((int) status),
                (Long) list.get(2), (Long) list.get(3));
    }
}
