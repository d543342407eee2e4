package io.flashcoupon.discount;

/** What a coupon does to an order; codes are the coupon_templates.type column. */
public enum CouponType {
    FULL_CUT(1), PERCENT_OFF(2), FREE_SHIPPING(3);

    private final int code;

    CouponType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static CouponType ofCode(int code) {
        for (CouponType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown coupon type code " + code);
    }
}
