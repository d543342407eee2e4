package io.flashcoupon.core.observe;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.MDC;

/**
 * Puts the structured fields of a log line (activity_id, user_id, coupon_sn, trace_id) into the
 * SLF4J MDC for a try-with-resources scope; the JSON log encoder writes them with every line logged
 * inside it. Meant for warnings, errors and lifecycle lines - not for the per-grab happy path.
 * A field whose value is unknown (null, or 0 for ids) is left out; trace_id comes from the current
 * span when one is recording.
 */
public final class LogFields implements AutoCloseable {
    public static final String ACTIVITY_ID = "activity_id";
    public static final String USER_ID = "user_id";
    public static final String COUPON_SN = "coupon_sn";
    public static final String TRACE_ID = "trace_id";

    private LogFields() {}

    /** The fields of one grab or coupon; any may be unknown (0 or null). */
    public static LogFields of(long activityId, long userId, String couponSn) {
        if (activityId > 0) {
            MDC.put(ACTIVITY_ID, Long.toString(activityId));
        }
        if (userId > 0) {
            MDC.put(USER_ID, Long.toString(userId));
        }
        if (couponSn != null && !couponSn.isEmpty()) {
            MDC.put(COUPON_SN, couponSn);
        }
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            MDC.put(TRACE_ID, span.getTraceId());
        }
        return new LogFields();
    }

    /** The fields of work on one activity. */
    public static LogFields activity(long activityId) {
        return of(activityId, 0, null);
    }

    @Override
    public void close() {
        MDC.remove(ACTIVITY_ID);
        MDC.remove(USER_ID);
        MDC.remove(COUPON_SN);
        MDC.remove(TRACE_ID);
    }
}
