package io.flashcoupon.ingress;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStore;
import java.time.Clock;
import java.time.Instant;

/**
 * The grab (DESIGN.md "The grab", steps 1-3): argument checks, the activity from the cache, a
 * coupon_sn made here, then the grab script inside a transactional CouponGrabbed send. GRANTED is
 * returned only once the grab is in the ledger, so its event is committed or will be by the
 * check-back.
 */
public final class Grabber {
    private static final int MAX_ATTEMPTS = 3;

    private final ActivityCache activities;
    private final SaleStore store;
    private final GrabEventPublisher publisher;
    private final CouponSnGenerator serials;
    private final Clock clock;

    public Grabber(ActivityCache activities, SaleStore store, GrabEventPublisher publisher,
            CouponSnGenerator serials, Clock clock) {
        this.activities = activities;
        this.store = store;
        this.publisher = publisher;
        this.serials = serials;
        this.clock = clock;
    }

    public GrabOutcome grab(long activityId, long userId, String requestId) {
        if (activityId <= 0) {
            throw new InvalidInputException("activity_id", "must be positive, was " + activityId);
        }
        if (userId <= 0) {
            throw new InvalidInputException("user_id", "must be positive, was " + userId);
        }
        if (requestId != null && (requestId.isEmpty() || requestId.length() > 64)) {
            throw new InvalidInputException("request_id", "must be 1 to 64 characters");
        }
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        Instant now = clock.instant();
        if (activity.status() == ActivityStatus.ENDED || !now.isBefore(activity.endTime())) {
            return new GrabOutcome(activity, GrabCode.ENDED, null, 0, 0);
        }
        if (now.isBefore(activity.startTime())) {
            return new GrabOutcome(activity, GrabCode.NOT_STARTED, null, 0, 0);
        }
        GrabResult last = null;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            int seq = 1;
            if (activity.perUserLimit() > 1) {
                seq = store.userCount(activityId, userId) + 1;
            }
            GrabCall call = new GrabCall(activityId, activity.templateId(), userId, serials.next(), clock.millis(), seq);
            try {
                publisher.send(call, requestId);
            } catch (Exception e) {
                if (call.result == null && call.failure == null) {
                    throw new GrabUnavailableException("the event broker refused the grab; nothing was granted", e);
                }
            }
            if (call.failure != null) {
                throw new GrabUnavailableException("Redis did not answer: the grab's outcome is unknown;"
                        + " check the wallet before retrying", call.failure);
            }
            if (call.result == null) {
                throw new GrabUnavailableException("the event broker refused the grab; nothing was granted", null);
            }
            last = call.result;
            if (last.code() != GrabCode.SEQ_STALE && last.code() != GrabCode.VOIDED) {
                String sn = last.code() == GrabCode.GRANTED ? call.couponSn : null;
                return new GrabOutcome(activity, last.code(), sn, last.remaining(), last.seq());
            }
        }
        throw new GrabUnavailableException("the grab raced with itself " + MAX_ATTEMPTS
                + " times (" + last.code() + "); nothing was granted, retry", null);
    }
}
