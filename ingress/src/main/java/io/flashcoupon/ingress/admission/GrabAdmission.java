package io.flashcoupon.ingress.admission;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.ingress.ActivityCache;
import io.flashcoupon.ingress.GrabOutcome;
import java.time.Clock;

/**
 * Step 1 of the grab, all local and O(1): argument checks, the activity from the cache, its window
 * and status, the local sold-out flag, per-user and per-IP rate limits. A grab refused here never
 * touches the broker, and touches Redis only for one read when a retry with a request id asks
 * about a sale that is sold out, paused or ended. Status changes made elsewhere reach this cache
 * within its TTL (activity-cache-ms); Redis re-checks status and window on every grab that passes,
 * so a stale entry never grants a grab Redis refuses. The stale refusals: for up to the TTL after
 * a start or a resume, a grab is still answered "not started" / "paused" here.
 */
public final class GrabAdmission {
    private final ActivityCache activities;
    private final RateLimiter<Long> users;
    private final RateLimiter<String> ips;
    private final SoldOutFlags soldOut;
    private final Clock clock;
    private final int userLimit;
    private final int ipLimit;

    /** {@code ips} may be null: no per-IP limit. */
    public GrabAdmission(ActivityCache activities, RateLimiter<Long> users, int userLimit, RateLimiter<String> ips,
            int ipLimit, SoldOutFlags soldOut, Clock clock) {
        this.activities = activities;
        this.users = users;
        this.userLimit = userLimit;
        this.ips = ips;
        this.ipLimit = ipLimit;
        this.soldOut = soldOut;
        this.clock = clock;
    }

    /**
     * The decision for one grab: a {@link Decision} holding the activity to grab from, or the
     * outcome to answer at once. Throws for bad input, unknown activity and rate limits.
     */
    public Decision admit(long activityId, long userId, String clientIp, String requestId) {
        if (activityId <= 0) {
            throw new InvalidInputException("activity_id", "must be positive, was " + activityId);
        }
        if (userId <= 0) {
            throw new InvalidInputException("user_id", "must be positive, was " + userId);
        }
        if (requestId != null && (requestId.isEmpty() || requestId.length() > 64 || requestId.indexOf(':') >= 0)) {
            throw new InvalidInputException("request_id", "must be 1 to 64 characters without ':'");
        }
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        GrabCode local = localRefusal(activity);
        if (local != null) {
            GrabOutcome refusal = new GrabOutcome(activity, local, null, 0, 0);
            // A retry carrying a request id may have been granted before the sale sold out, paused
            // or ended: it must learn its original outcome (a read, no grab, no broker).
            boolean mayHaveGrant = requestId != null
                    && (local == GrabCode.SOLD_OUT || local == GrabCode.ENDED || local == GrabCode.NOT_ACTIVE);
            return mayHaveGrant ? Decision.lookup(refusal) : Decision.answer(refusal);
        }
        if (!users.tryAcquire(userId)) {
            throw new AdmissionRejectedException(AdmissionRejectedException.Reason.USER_RATE,
                    "user " + userId + " exceeded " + userLimit + " grabs per second; retry later");
        }
        if (ips != null && clientIp != null && !clientIp.isEmpty() && !ips.tryAcquire(clientIp)) {
            throw new AdmissionRejectedException(AdmissionRejectedException.Reason.IP_RATE,
                    "client IP exceeded " + ipLimit + " grabs per second; retry later");
        }
        return Decision.grab(activity);
    }

    private GrabCode localRefusal(Activity activity) {
        var now = clock.instant();
        if (activity.status() == ActivityStatus.PENDING) {
            // Never grab from Redis for a sale this database has not started: a Redis shared with
            // another database (or left over from a reset one) may hold a different sale under this id.
            return GrabCode.NOT_IN_REDIS;
        }
        if (activity.status() == ActivityStatus.ENDED || !now.isBefore(activity.endTime())) {
            return GrabCode.ENDED;
        }
        if (now.isBefore(activity.startTime())) {
            return GrabCode.NOT_STARTED;
        }
        if (activity.status() == ActivityStatus.PAUSED) {
            return GrabCode.NOT_ACTIVE;
        }
        if (soldOut.isSoldOut(activity.id())) {
            return GrabCode.SOLD_OUT;
        }
        return null;
    }

    /**
     * Either grab from {@code activity}; or answer {@code outcome} without touching Redis; or, when
     * {@code lookup}, answer {@code outcome} unless the request was granted before.
     */
    public record Decision(Activity activity, GrabOutcome outcome, boolean lookup) {
        static Decision grab(Activity activity) {
            return new Decision(activity, null, false);
        }

        static Decision answer(GrabOutcome outcome) {
            return new Decision(outcome.activity(), outcome, false);
        }

        static Decision lookup(GrabOutcome refusal) {
            return new Decision(refusal.activity(), refusal, true);
        }
    }
}
