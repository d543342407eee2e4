package io.flashcoupon.core.activity;

import io.flashcoupon.core.FieldError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A flash sale of one template's coupons inside the window [startTime, endTime). {@code segments} is
 * how many Redis shards the sale's stock is split over (1: one slot, the usual case; more spreads a hot
 * sale over several masters, see {@link io.flashcoupon.core.sale.SaleSegments}); fixed at creation.
 */
public record Activity(
        long id,
        long templateId,
        String name,
        int totalCount,
        Instant startTime,
        Instant endTime,
        int perUserLimit,
        ActivityStatus status,
        int segments) {

    /** Most segments one sale may be split into. */
    public static final int MAX_SEGMENTS = 16;

    /** A sale on one segment. */
    public Activity(long id, long templateId, String name, int totalCount, Instant startTime, Instant endTime,
            int perUserLimit, ActivityStatus status) {
        this(id, templateId, name, totalCount, startTime, endTime, perUserLimit, status, 1);
    }

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
        if (segments < 1 || segments > MAX_SEGMENTS) {
            errors.add(new FieldError("segments", "must be between 1 and " + MAX_SEGMENTS));
        } else if (totalCount > 0 && segments > totalCount) {
            errors.add(new FieldError("segments", "must not exceed total_count (every segment starts with stock)"));
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
