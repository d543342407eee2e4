package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.grpc.Deadline;
import java.util.concurrent.CompletionStage;

/**
 * Steps 2-3 of the grab as {@link CouponGrpcService} calls them, after admission: {@link Grabber}
 * over Redis and the broker in a process, a plain function in the service's boundary test.
 */
public interface Grabs {

    /**
     * Grabs a coupon of {@code activity} for {@code userId}; blocks on Redis and the broker. No
     * attempt starts once {@code latestStart} (nullable: none) has expired: the answer is then
     * DEADLINE_EXCEEDED and nothing changed. Throws only for failures outside the grab's ledger
     * (answered by {@link GrabAnswer#ofFailure}).
     */
    GrabAnswer grab(Activity activity, long userId, String requestId, Deadline latestStart);

    /**
     * Settles request {@code requestId} that admission refused locally with {@code refusal} (sold
     * out, ended, paused), without a grab: the request's recorded outcome if it has one - its
     * original grant (REPEATED), or the refusal an earlier attempt was given - else {@code refusal},
     * now recorded so that no attempt of the request can be granted later. When the sale has left
     * Redis (cleaned up), its grant is looked up in MySQL. Completes with an UNAVAILABLE answer when
     * Redis or MySQL fails.
     */
    CompletionStage<GrabAnswer> settle(GrabAnswer refusal, Activity activity, long userId, String requestId);
}
