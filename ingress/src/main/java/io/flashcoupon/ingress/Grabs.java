package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import java.util.concurrent.CompletionStage;

/**
 * Steps 2-3 of the grab as {@link CouponGrpcService} calls them, after admission: {@link Grabber}
 * over Redis and the broker in a process, a plain function in the service's boundary test.
 */
public interface Grabs {

    /**
     * Grabs a coupon of {@code activity} for {@code userId}; blocks on Redis and the broker. Throws
     * only for failures outside the grab's ledger (answered by {@link GrabAnswer#ofFailure}).
     */
    GrabAnswer grab(Activity activity, long userId, String requestId);

    /**
     * The original grant of this client request if there was one, else {@code refusal}; no grab,
     * one asynchronous Redis read. Completes with an UNAVAILABLE answer when the read fails.
     */
    CompletionStage<GrabAnswer> previousGrantOr(GrabAnswer refusal, long activityId, long userId, String requestId);
}
