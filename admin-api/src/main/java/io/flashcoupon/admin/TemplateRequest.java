package io.flashcoupon.admin;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRules;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.StackingClass;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The body of POST and PUT /api/v1/templates. Absent amounts are 0, per_user_limit defaults to 1,
 * status to PUBLISHED and stacking to the default rules; total_count is required. Everything else is judged by
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
        TemplateStatus status,
        StackingRequest stacking) {

    /**
     * The template's stacking rules; absent (or any absent field) = the default: not exclusive, at
     * most 1 coupon of the template per order, combines with every class, no floor.
     */
    record StackingRequest(Boolean exclusive, Integer maxPerOrder, Set<StackingClass> combinesWith,
            Long minPayableCents) {

        Template.Stacking toStacking() {
            Template.Stacking d = Template.Stacking.DEFAULT;
            return new Template.Stacking(exclusive == null ? d.exclusive() : exclusive,
                    maxPerOrder == null ? d.maxPerOrder() : maxPerOrder,
                    combinesWith == null ? d.combinesWith() : combinesWith,
                    minPayableCents == null ? d.minPayableCents() : minPayableCents);
        }
    }

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
                now, now, stacking == null ? Template.Stacking.DEFAULT : stacking.toStacking());
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
