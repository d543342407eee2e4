package io.flashcoupon.core.sale;

import java.util.List;

/**
 * What the grab script answered: the outcome, the stock left, when GRANTED or REPEATED the user's
 * sequence number in the sale (otherwise the user's current count), the coupon_sn granted (the
 * original one for REPEATED; null for refusals), and whether a refusal is the one recorded for this
 * client request id by an earlier attempt (then the sale may have changed since: restocked, resumed).
 */
public record GrabResult(GrabCode code, long remaining, int seq, String couponSn, boolean recorded) {

    /** A result that is not a recorded refusal. */
    public GrabResult(GrabCode code, long remaining, int seq, String couponSn) {
        this(code, remaining, seq, couponSn, false);
    }

    /**
     * Maps the script's reply {code, remaining, seq, coupon_sn, recorded}; anything else is a
     * protocol error.
     */
    public static GrabResult fromScriptReply(Object reply) {
        if (!(reply instanceof List<?> list) || list.size() != 5) {
            throw new IllegalStateException("grab script reply must be a 5-element array, was " + reply);
        }
        Object sn = list.get(3);
        if (sn != null && !(sn instanceof String)) {
            throw new IllegalStateException("grab script reply element 4 must be a string, was " + sn);
        }
        // Lettuce may decode the script's empty string as null.
        String serial = sn == null || ((String) sn).isEmpty() ? null : (String) sn;
        GrabCode code = GrabCode.ofCode(asLong(list.get(0)));
        boolean recorded = asLong(list.get(4)) == 1;
        if (recorded && (code == GrabCode.GRANTED || serial != null)) {
            throw new IllegalStateException("grab script reply: only a refusal can be recorded, was " + reply);
        }
        return new GrabResult(code, asLong(list.get(1)), (int) asLong(list.get(2)), serial, recorded);
    }

    /**
     * Maps the batch script's reply: 5 elements per grab, in the order the grabs were passed;
     * anything else is a protocol error.
     */
    public static List<GrabResult> fromBatchReply(Object reply, int grabs) {
        if (!(reply instanceof List<?> list) || list.size() != 5 * grabs) {
            throw new IllegalStateException("grab script reply must hold 5 elements for each of " + grabs
                    + " grabs, was " + reply);
        }
        List<GrabResult> results = new java.util.ArrayList<>(grabs);
        for (int i = 0; i < grabs; i++) {
            results.add(fromScriptReply(list.subList(5 * i, 5 * i + 5)));
        }
        return results;
    }

    private static long asLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalStateException("grab script reply element must be an integer, was " + o);
    }
}
