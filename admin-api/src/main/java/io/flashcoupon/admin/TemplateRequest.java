package io.flashcoupon.admin;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRules;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of POST and PUT /api/v1/templates. Absent amounts are 0, per_user_limit defaults to 1
 * and status to PUBLISHED; total_count is required. Everything else is judged by
 * {@link TemplateRules}, the rule set shared with the gRPC front end.
 */
record TemplateRequest(
        String name,
        CouponType type,
        Long discountAmountCents,
        Integer discountBps,
        Long minAmountCents,
        Long maxDiscountCents,
        Integer totalCount,
        Integer perUserLimit,
        Instant validStart,
        Instant validEnd,
        Integer validDays,
        List<Long> applicableGoodsIds,
        List<Long> applicableCategoryIds,
        List<Long> excludedGoodsIds,
        List<Long> excludedCategoryIds,
        TemplateStatus status) {

    static final int DEFAULT_PER_USER_LIMIT = 1;
    static final TemplateStatus DEFAULT_STATUS = TemplateStatus.PUBLISHED;

    /**
     * The template this request describes (id 0, both timestamps {@code now}); InvalidInputException
     * listing every violated field otherwise.
     */
    Template toTemplate(Instant now) {
        Template t = new Template(0, name, type,
                orZero(discountAmountCents),
                discountBps == null ? 0 : discountBps,
                orZero(minAmountCents),
                maxDiscountCents,
                totalCount == null ? 0 : totalCount,
                perUserLimit == null ? DEFAULT_PER_USER_LIMIT : perUserLimit,
                validStart, validEnd, validDays,
                applicableGoodsIds, applicableCategoryIds, excludedGoodsIds, excludedCategoryIds,
                status == null ? DEFAULT_STATUS : status,
                now, now);
        List<FieldError> errors = new ArrayList<>();
        if (totalCount == null) {
            errors.add(new FieldError("total_count", "must be set"));
        }
        for (FieldError e : TemplateRules.violations(t)) {
            if (!(totalCount == null && e.field().equals("total_count"))) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return t;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
