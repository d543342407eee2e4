package io.flashcoupon.core.sale;

import io.flashcoupon.core.activity.ActivityStatus;
import java.util.List;

/**
 * What lua/transition.lua answered: whether it changed the sale's status, and the status it found
 * there before (null when the sale is not in Redis).
 */
public record TransitionResult(boolean changed, ActivityStatus found) {

    /** Maps the script's reply {changed, status}; anything else is a protocol error. */
    static TransitionResult fromScriptReply(Object reply) {
        List<?> list = ScriptReplies.integers(reply, 2, "transition");
        long changed = (Long) list.get(0);
        long status = (Long) list.get(1);
        return new TransitionResult(changed == 1, status == 0 ? null : ActivityStatus.ofCode((int) status));
    }
}
