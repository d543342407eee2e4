package io.flashcoupon.core.sale;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.activity.ActivityStatus;
import java.util.EnumSet;
import java.util.Set;

/**
 * The rules of adding coupons to a running sale: 1 to {@link #MAX_AMOUNT} at a time, only while the
 * sale is ACTIVE or PAUSED (never before start, never after the end), and the new total must fit
 * flash_sale_activities.total_count (INT).
 */
public final class Restock {
    /** The most one restock may add; anything larger is a typo, not a sale. */
    public static final int MAX_AMOUNT = 10_000_000;

    /** The statuses a sale can be restocked in. */
    public static final Set<ActivityStatus> ALLOWED = EnumSet.of(ActivityStatus.ACTIVE, ActivityStatus.PAUSED);

    private Restock() {}

    /** InvalidInputException naming {@code amount} unless 1 <= amount <= MAX_AMOUNT. */
    public static int checkAmount(long amount) {
        if (amount <= 0 || amount > MAX_AMOUNT) {
            throw new InvalidInputException("amount", "must be between 1 and " + MAX_AMOUNT + ", was " + amount);
        }
        return (int) amount;
    }

    /** InvalidInputException naming {@code amount} when total + amount would not fit total_count. */
    public static void checkNewTotal(long total, int amount) {
        if (total + amount > Integer.MAX_VALUE) {
            throw new InvalidInputException("amount", "would raise total_count " + total + " past "
                    + Integer.MAX_VALUE);
        }
    }

    /**
     * ConflictException when the row shows a sale not started (PENDING): it is not in Redis and cannot
     * have been restocked. Every other status is judged in Redis, which also answers a replay of a
     * restock applied before the sale was paused or stopped.
     */
    public static void checkStarted(long activityId, ActivityStatus rowStatus) {
        if (rowStatus == ActivityStatus.PENDING) {
            throw new ConflictException(refusal(activityId, rowStatus));
        }
    }

    static String refusal(long activityId, ActivityStatus status) {
        String why = status == ActivityStatus.ENDED ? "; a sale that ended cannot be restocked"
                : "; only " + SaleTransition.describe(ALLOWED) + " sale can be restocked";
        return "activity " + activityId + " is " + status + why;
    }
}
