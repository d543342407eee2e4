package io.flashcoupon.core.sale;

/**
 * Outcome of the grab script (lua/grab.lua). Business outcomes are values; the ingress maps each
 * one to a reply or a gRPC status in one switch.
 */
public enum GrabCode {
    // Codes 8 (voided by a check-back) and 9 (seq stale) were answered while each grab was its own
    // transactional send; the group commit (lua/grab.lua) decides the seq itself and sends nothing
    // before the script, so neither can happen any more and their numbers stay unused.
    /** Won: decremented stock, counted the user, recorded the coupon_sn in the ledger. */
    GRANTED(1),
    /** No stock left. */
    SOLD_OUT(2),
    /** The user already holds per_user_limit coupons of this sale. */
    LIMIT_REACHED(3),
    /** Before the sale window. */
    NOT_STARTED(4),
    /** After the sale window or the sale was ended. */
    ENDED(5),
    /** The sale is in Redis but not active (paused). */
    NOT_ACTIVE(6),
    /** The sale was never started (nothing in Redis). */
    NOT_IN_REDIS(7),
    /** This client request id was granted before; the result names the original coupon_sn. */
    REPEATED(10),
    /**
     * The coupon_sn made for this grab is already in the ledger as another grab's (another user, or
     * the same user's other n-th coupon): two instances with one node id, or a clock stepped back.
     * Nothing was changed; the ingress retries with a fresh coupon_sn.
     */
    SN_COLLISION(11),
    /**
     * Redis may have lost grants of this sale (restarted, restored from an older copy): it is fenced
     * until a heal re-applied MySQL's rows (SaleFence), or its fence lease lapsed. Nothing changed; retry.
     */
    FENCED(12),
    /**
     * This segment of a split sale has no stock left (its other segments may): nothing changed or
     * recorded. Never answered to a client: the ingress borrows stock from the other segments and grabs
     * again, or answers SOLD_OUT once none of them has any (SaleSegments).
     */
    SEGMENT_EMPTY(13);

    private static final GrabCode[] BY_CODE = new GrabCode[14];

    static {
        for (GrabCode c : values()) {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;

    GrabCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static GrabCode ofCode(long code) {
        if (code <= 0 || code >= BY_CODE.length || BY_CODE[(int) code] == null) {
            throw new IllegalStateException("grab script returned unknown code " + code);
        }
        return BY_CODE[(int) code];
    }
}
