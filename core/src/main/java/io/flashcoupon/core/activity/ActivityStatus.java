package io.flashcoupon.core.activity;

/** Lifecycle of a flash sale; codes are the flash_sale_activities.status column and the Redis sale hash. */
public enum ActivityStatus {
    PENDING(1), ACTIVE(2), PAUSED(3), ENDED(4);

    private final int code;

    ActivityStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ActivityStatus ofCode(int code) {
        for (ActivityStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown activity status code " + code);
    }
}
