package io.flashcoupon.core.sale;

import java.util.List;

/**
 * What the grab script answered: the outcome, the stock left and, when GRANTED, the user's
 * sequence number in the sale (otherwise the user's current count).
 */
public record GrabResult(GrabCode code, long remaining, int seq) {

    /** Maps the script's reply {code, remaining, seq}; anything else is a protocol error. */
    public static GrabResult fromScriptReply(Object reply) {
        if (!(reply instanceof List<?> list) || list.size() != 3) {
            throw new IllegalStateException("grab script reply must be a 3-element array, was " + reply);
        }
        return new GrabResult(GrabCode.ofCode(asLong(list.get(0))), asLong(list.get(1)), (int) asLong(list.get(2)));
    }

    private static long asLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalStateException("grab script reply element must be an integer, was " + o);
    }
}
