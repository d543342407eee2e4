package io.flashcoupon.ingress.admission;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.ingress.ActivityCache;
import io.flashcoupon.ingress.GrabAnswer;
import io.flashcoupon.ingress.GrabMetrics;
import java.time.Clock;
import java.util.Optional;

/**
 * Step 1 of the grab, all local and O(1): argument checks, the activity from the cache, its window
 * and status, the local sold-out flag, per-user and per-IP rate limits. A grab refused here never
 * touches the broker, and touches Redis only for one settle script when a call with a request id is
 * refused as sold out, paused or ended (the refusal becomes the request's outcome unless it has one).
 * Status changes made elsewhere reach this cache within its TTL (activity-cache-ms); Redis re-checks
 * status and window on every grab that passes, so a stale entry never grants a grab Redis refuses.
 * The stale refusals: for up to the TTL after a start or a resume, a grab is still answered "not
 * started" / "paused" here (and, for up to sold-out-recheck-ms after a restock elsewhere, "sold
 * out") - with a request id, that refusal is then the request's recorded outcome.
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
     * answer to give at once - bad input, unknown activity, a local refusal, a rate limit. Throws
     * only when the activity cannot be read (MySQL behind the cache failed).
     */
    public Decision admit(long activityId, long userId, String clientIp, String requestId) {
        return admit(activityId, userId, clientIp, requestId, true);
    }

    /**
     * {@link #admit} for a call admitted before that waited for an earlier attempt of its request id,
     * which was dropped unrun: checked again, but not charged to the rate limits a second time.
     */
    public Decision readmit(long activityId, long userId, String clientIp, String requestId) {
        return admit(activityId, userId, clientIp, requestId, false);
    }

    private Decision admit(long activityId, long userId, String clientIp, String requestId, boolean rateLimited) {
        if (activityId <= 0) {
            return Decision.answer(null, GrabAnswer.invalid("activity_id", "must be positive, was " + activityId));
        }
        if (userId <= 0) {
            return Decision.answer(null, GrabAnswer.invalid("user_id", "must be positive, was " + userId));
        }
        if (requestId != null && (requestId.isEmpty() || requestId.length() > 64 || requestId.indexOf(':') >= 0
                || requestId.chars().anyMatch(Character::isISOControl))) {
            return Decision.answer(null, GrabAnswer.invalid("request_id",
                    "must be 1 to 64 characters without ':' or control characters"));
        }
        Optional<Activity> found = activities.find(activityId);
        if (found.isEmpty()) {
            return Decision.answer(null, GrabAnswer.notFound("activity " + activityId + " does not exist"));
        }
        Activity activity = found.get();
        GrabCode local = localRefusal(activity);
        if (local != null) {
            GrabAnswer refusal = GrabAnswer.refusedLocally(activity, local);
            // A call carrying a request id may have been granted before the sale sold out, paused or
            // ended, or have an attempt queued elsewhere: it is settled (one script, no grab, no broker).
            boolean mayHaveGrant = requestId != null
                    && (local == GrabCode.SOLD_OUT || local == GrabCode.ENDED || local == GrabCode.NOT_ACTIVE);
            return mayHaveGrant ? Decision.lookup(activity, refusal) : Decision.answer(activity, refusal);
        }
        if (!rateLimited) {
            return Decision.grab(activity);
        }
        if (!users.tryAcquire(userId)) {
            return Decision.answer(activity, GrabAnswer.shed(GrabMetrics.Rejection.USER_RATE,
                    "user " + userId + " exceeded " + userLimit + " grabs per second; retry later"));
        }
        if (ips != null && clientIp != null && !clientIp.isEmpty() && !ips.tryAcquire(clientIp)) {
            return Decision.answer(activity, GrabAnswer.shed(GrabMetrics.Rejection.IP_RATE,
                    "client IP exceeded " + ipLimit + " grabs per second; retry later"));
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
     * Either grab from {@code activity}; or give {@code answer} without touching Redis; or, when
     * {@code lookup}, settle the request with refusal {@code answer} and give its recorded outcome.
     * {@code activity} is null when the request named none that exists.
     */
    public record Decision(Activity activity, GrabAnswer answer, boolean lookup) {
        static Decision grab(Activity activity) {
            return new Decision(activity, null, false);
        }

        static Decision answer(Activity activity, GrabAnswer answer) {
            return new Decision(activity, answer, false);
        }

        static Decision lookup(Activity activity, GrabAnswer refusal) {
            return new Decision(activity, refusal, true);
        }
    }
}
