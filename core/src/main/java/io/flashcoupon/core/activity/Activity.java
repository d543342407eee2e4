package io.flashcoupon.core.activity;

import io.flashcoupon.core.FieldError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A flash sale of one template's coupons inside the window [startTime, endTime). */
public record Activity(
        long id,
        long templateId,
        String name,
        int totalCount,
        Instant startTime,
        Instant endTime,
        int perUserLimit,
        ActivityStatus status) {

    /** The rules a new activity must satisfy; each violation names its field. */
    public List<FieldError> violations() {
        List<FieldError> errors = new ArrayList<>();
        if (templateId <= 0) {
            errors.add(new FieldError("template_id", "must be a positive template id"));
        }
        if (name == null || name.isBlank()) {
            errors.add(new FieldError("name", "must not be empty"));
        } else if (name.codePointCount(0, name.length()) > 100) {
            errors.add(new FieldError("name", "must be at most 100 characters"));
        }
        if (totalCount <= 0) {
            errors.add(new FieldError("total_count", "must be positive"));
        }
        if (perUserLimit <= 0) {
            errors.add(new FieldError("per_user_limit", "must be positive"));
        }
        if (startTime == null) {
            errors.add(new FieldError("start_time", "must be set"));
        }
        if (endTime == null) {
            errors.add(new FieldError("end_time", "must be set"));
        }
        if (startTime != null && endTime != null && !endTime.isAfter(startTime)) {
            errors.add(new FieldError("end_time", "must be after start_time"));
        }
        return errors;
    }
}
