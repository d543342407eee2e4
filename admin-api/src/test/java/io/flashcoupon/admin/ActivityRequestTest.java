package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivityRequestTest {
    private static final Instant START = Instant.parse("2030-02-01T10:00:00Z");
    private static final Instant END = Instant.parse("2030-02-01T11:00:00Z");

    private static List<FieldError> errorsOf(ActivityRequest r) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, r::toActivity);
        assertThat(e).isNotNull();
        return e.errors();
    }

    @Test
    void new_activity_is_pending_with_one_coupon_per_user_by_default() {
        Activity a = new ActivityRequest(3L, "noon sale", 100, START, END, null, null).toActivity();

        assertThat(a.status()).isEqualTo(ActivityStatus.PENDING);
        assertThat(a.perUserLimit()).isEqualTo(1);
        assertThat(a.templateId()).isEqualTo(3L);
        assertThat(a.totalCount()).isEqualTo(100);
    }

    @Test
    void end_before_start_is_refused_on_end_time() {
        assertThat(errorsOf(new ActivityRequest(3L, "x", 100, END, START, 2, null)))
                .extracting(FieldError::field).containsExactly("end_time");
    }

    @Test
    void missing_required_fields_are_each_named_once() {
        assertThat(errorsOf(new ActivityRequest(null, null, null, null, null, null, null)))
                .extracting(FieldError::field)
                .containsExactly("template_id", "total_count", "name", "start_time", "end_time");
    }

    @Test
    void non_positive_limits_are_refused() {
        assertThat(errorsOf(new ActivityRequest(-1L, "x", 0, START, END, 0, 0)))
                .extracting(FieldError::field)
                .containsExactlyInAnyOrder("template_id", "total_count", "per_user_limit", "segments");
    }

    @Test
    void segments_default_to_one_and_are_bounded_by_the_stock_and_the_maximum() {
        assertThat(new ActivityRequest(3L, "x", 100, START, END, null, null).toActivity().segments()).isEqualTo(1);
        assertThat(new ActivityRequest(3L, "x", 100, START, END, null, 3).toActivity().segments()).isEqualTo(3);
        assertThat(errorsOf(new ActivityRequest(3L, "x", 100, START, END, null, Activity.MAX_SEGMENTS + 1)))
                .extracting(FieldError::field).containsExactly("segments");
        assertThat(errorsOf(new ActivityRequest(3L, "x", 2, START, END, null, 3)))
                .extracting(FieldError::field).containsExactly("segments");
    }
}
