package io.flashcoupon.ingress;

import io.flashcoupon.core.sale.GrabResult;

/**
 * One grab on its way through the transactional send: what the grab script must be told, and what
 * it answered (filled in by {@link GrabTransactionListener} on the sending thread).
 */
final class GrabCall {
    final long activityId;
    final long templateId;
    final long userId;
    final String couponSn;
    final long grantedAtMs;
    final int seq;
    final String requestId;
    GrabResult result;
    RuntimeException failure;

    GrabCall(long activityId, long templateId, long userId, String couponSn, long grantedAtMs, int seq, String requestId) {
        this.activityId = activityId;
        this.templateId = templateId;
        this.userId = userId;
        this.couponSn = couponSn;
        this.grantedAtMs = grantedAtMs;
        this.seq = seq;
        this.requestId = requestId;
    }
}
