package io.flashcoupon.core.template;

/** Publication state of a template; codes are the coupon_templates.status column. */
public enum TemplateStatus {
    DRAFT(1), PUBLISHED(2), DISABLED(3);

    private final int code;

    TemplateStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static TemplateStatus ofCode(int code) {
        for (TemplateStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown template status code " + code);
    }
}
