package io.flashcoupon.core.wallet;

/** State of a coupon in a wallet; codes are the user_coupons.status column. */
public enum UserCouponStatus {
    UNUSED(1), LOCKED(2), USED(3), EXPIRED(4);

    private final int code;

    UserCouponStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static UserCouponStatus ofCode(int code) {
        for (UserCouponStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown user coupon status code " + code);
    }
}
