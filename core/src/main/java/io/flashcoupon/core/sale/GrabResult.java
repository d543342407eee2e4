package io.flashcoupon.core.sale;

import java.util.List;

/**
 * What the grab script answered: the outcome, the stock left, when GRANTED or REPEATED the user's
 * sequence number in the sale (otherwise the user's current count), and the coupon_sn granted
 * (the original one for REPEATED; null for refusals).
 */
public record GrabResult(GrabCode code, long remaining, int seq, String couponSn) {

    /** Maps the script's reply {code, remaining, seq, coupon_sn}; anything else is a protocol error. */
    public static GrabResult fromScriptReply(Object reply) {
        if (!(reply instanceof List<?> list) || list.size() != 4) {
            throw new IllegalStateException("grab script reply must be a 4-element array, was " + reply);
        }
        Object sn = list.get(3);
        if (sn != null && !(sn instanceof String)) {
            throw new IllegalStateException("grab script reply element 4 must be a string, was " + sn);
        }
        // Lettuce may decode the script's empty string as null.
        String serial = sn == null || ((String) sn).isEmpty() ? null : (String) sn;
        return new GrabResult(GrabCode.ofCode(asLong(list.get(0))), asLong(list.get(1)), (int) asLong(list.get(2)),
                serial);
    }

    private static long asLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalStateException("grab script reply element must be an integer, was " + o);
    }
}
