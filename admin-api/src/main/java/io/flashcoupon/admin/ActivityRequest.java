package io.flashcoupon.admin;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of POST /api/v1/activities. template_id, name, total_count, start_time and end_time are
 * required; per_user_limit and segments default to 1. The rules are {@link Activity#violations()}; whether the
 * template exists is checked by the route, which has the repository.
 */
record ActivityRequest(
        Long templateId,
        String name,
        Integer totalCount,
        Instant startTime,
        Instant endTime,
        Integer perUserLimit,
        Integer segments) {

    static final int DEFAULT_PER_USER_LIMIT = 1;

    /** The new PENDING activity (id 0); InvalidInputException listing every violated field otherwise. */
    Activity toActivity() {
        Activity a = new Activity(0,
                templateId == null ? 0 : templateId,
                name,
                totalCount == null ? 0 : totalCount,
                startTime, endTime,
                perUserLimit == null ? DEFAULT_PER_USER_LIMIT : perUserLimit,
                ActivityStatus.PENDING,
                segments == null ? 1 : segments);
        List<FieldError> errors = new ArrayList<>();
        if (templateId == null) {
            errors.add(new FieldError("template_id", "must be set"));
        }
        if (totalCount == null) {
            errors.add(new FieldError("total_count", "must be set"));
        }
        for (FieldError e : a.violations()) {
            boolean reported = (templateId == null && e.field().equals("template_id"))
                    || (totalCount == null && e.field().equals("total_count"));
            if (!reported) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return a;
    }
}
