package io.flashcoupon.core.sale;

import io.flashcoupon.core.activity.ActivityStatus;
import java.util.EnumSet;
import java.util.Set;

/**
 * The operator's status changes of a started sale and the states each may leave from:
 * pause ACTIVE -> PAUSED, resume PAUSED -> ACTIVE, stop ACTIVE or PAUSED -> ENDED. ENDED is final.
 * PENDING is left only by start ({@link FlashSales#start}), never by these.
 */
public enum SaleTransition {
    PAUSE("paused", ActivityStatus.PAUSED, EnumSet.of(ActivityStatus.ACTIVE)),
    RESUME("resumed", ActivityStatus.ACTIVE, EnumSet.of(ActivityStatus.PAUSED)),
    STOP("stopped", ActivityStatus.ENDED, EnumSet.of(ActivityStatus.ACTIVE, ActivityStatus.PAUSED));

    private final String pastTense;
    private final ActivityStatus target;
    private final Set<ActivityStatus> from;

    SaleTransition(String pastTense, ActivityStatus target, Set<ActivityStatus> from) {
        this.pastTense = pastTense;
        this.target = target;
        this.from = from;
    }

    /** The status the sale has afterwards. */
    public ActivityStatus target() {
        return target;
    }

    /** Whether a sale in {@code status} may take this transition. */
    public boolean allowedFrom(ActivityStatus status) {
        return from.contains(status);
    }

    /** The statuses this transition leaves from, in code order. */
    public Set<ActivityStatus> from() {
        return from;
    }

    /** Why a sale in {@code status} refuses it, e.g. "activity 7 is ENDED; only an ACTIVE sale can be paused". */
    public String refusal(long activityId, ActivityStatus status) {
        return "activity " + activityId + " is " + status + "; only " + describe(from) + " sale can be " + pastTense;
    }

    /** "an ACTIVE", "a PAUSED", "an ACTIVE or PAUSED". */
    static String describe(Set<ActivityStatus> statuses) {
        StringBuilder sb = new StringBuilder();
        for (ActivityStatus s : statuses) {
            if (sb.length() > 0) {
                sb.append(" or ");
            }
            sb.append(s);
        }
        String first = sb.toString();
        return ("AEIOU".indexOf(first.charAt(0)) >= 0 ? "an " : "a ") + first;
    }
}
