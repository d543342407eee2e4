package io.flashcoupon.core.template;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.DiscountEngine;
import java.util.ArrayList;
import java.util.List;

/** The rules a template must satisfy before it is stored; each violation names its field. */
public final class TemplateRules {
    public static final int MAX_NAME = 100;

    private TemplateRules() {}

    public static List<FieldError> violations(Template t) {
        List<FieldError> errors = new ArrayList<>();
        if (t.name() == null || t.name().isBlank()) {
            errors.add(new FieldError("name", "must not be empty"));
        } else if (t.name().codePointCount(0, t.name().length()) > MAX_NAME) {
            errors.add(new FieldError("name", "must be at most " + MAX_NAME + " characters"));
        }
        if (t.type() == null) {
            errors.add(new FieldError("type", "must be one of FULL_CUT, PERCENT_OFF, FREE_SHIPPING"));
        }
        if (t.discountAmountCents() < 0) {
            errors.add(new FieldError("discount_amount_cents", "must not be negative"));
        }
        if (t.discountBps() < 0) {
            errors.add(new FieldError("discount_bps", "must not be negative"));
        }
        if (t.minAmountCents() < 0) {
            errors.add(new FieldError("min_amount_cents", "must not be negative"));
        }
        if (t.maxDiscountCents() != null && t.maxDiscountCents() < 0) {
            errors.add(new FieldError("max_discount_cents", "must not be negative"));
        }
        if (t.type() == CouponType.FULL_CUT && t.discountAmountCents() <= 0) {
            errors.add(new FieldError("discount_amount_cents", "must be positive for FULL_CUT"));
        }
        if (t.type() == CouponType.PERCENT_OFF && (t.discountBps() <= 0 || t.discountBps() >= 10_000)) {
            errors.add(new FieldError("discount_bps", "must be between 1 and 9999 for PERCENT_OFF"));
        }
        if (t.totalCount() <= 0) {
            errors.add(new FieldError("total_count", "must be positive"));
        }
        if (t.perUserLimit() <= 0) {
            errors.add(new FieldError("per_user_limit", "must be positive"));
        }
        boolean absolute = t.validStart() != null || t.validEnd() != null;
        if (absolute && t.validDays() != null) {
            errors.add(new FieldError("valid_days", "must not be set together with valid_start/valid_end"));
        } else if (absolute) {
            if (t.validStart() == null) {
                errors.add(new FieldError("valid_start", "must be set together with valid_end"));
            } else if (t.validEnd() == null) {
                errors.add(new FieldError("valid_end", "must be set together with valid_start"));
            } else if (!t.validEnd().isAfter(t.validStart())) {
                errors.add(new FieldError("valid_end", "must be after valid_start"));
            }
        } else if (t.validDays() == null) {
            errors.add(new FieldError("valid_days", "set valid_days or valid_start and valid_end"));
        } else if (t.validDays() <= 0 || t.validDays() > 3650) {
            errors.add(new FieldError("valid_days", "must be between 1 and 3650"));
        }
        for (List<Long> ids : List.of(t.applicableGoodsIds(), t.applicableCategoryIds(),
                t.excludedGoodsIds(), t.excludedCategoryIds())) {
            if (ids.stream().anyMatch(id -> id == null || id <= 0)) {
                errors.add(new FieldError("scope", "goods and category ids must be positive"));
                break;
            }
        }
        if (t.status() == null) {
            errors.add(new FieldError("status", "must be one of DRAFT, PUBLISHED, DISABLED"));
        }
        Template.Stacking s = t.stacking();
        if (s.maxPerOrder() < 1 || s.maxPerOrder() > DiscountEngine.MAX_MAX_STACK_COUNT) {
            errors.add(new FieldError("stacking.max_per_order", "must be between 1 and " + DiscountEngine.MAX_MAX_STACK_COUNT));
        }
        if (s.minPayableCents() < 0) {
            errors.add(new FieldError("stacking.min_payable_cents", "must not be negative"));
        }
        return errors;
    }
}
