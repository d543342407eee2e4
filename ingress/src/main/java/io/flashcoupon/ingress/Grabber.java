package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.GrabCandidate;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.core.wallet.GrantRow;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.grpc.Deadline;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps 4-5 of the grab (docs/architecture.md) for an admitted request: a coupon_sn made here, then
 * the grab in its sale's next group-committed batch ({@link GrantLedger}). GRANTED is returned only
 * once the grant is durable in Redis, its event stored by the broker or waiting in the publication
 * outbox. A request id's first definitive outcome is recorded in Redis by the script: a retry gets
 * the original coupon_sn back (REPEATED, answered like a grant, counted apart so
 * coupon_grab_outcomes_total{code="granted"} counts new grants) or the same refusal. A grab whose
 * batch Redis could not settle (failed, timed out, not confirmed on disk) is answered UNAVAILABLE with
 * "outcome unknown". No attempt starts after the call's latest start (its deadline less a margin):
 * DEADLINE_EXCEEDED, nothing changed.
 *
 * <p>A coupon_sn found in the ledger as another grab's (SN_COLLISION: two instances with one node
 * id, a clock stepped back) is never answered as a grant: the attempt changed nothing and is retried
 * with a fresh coupon_sn, counted in coupon_grab_sn_collisions_total; three collisions in a row are
 * answered UNAVAILABLE. The script tells a replay of the same call (Lettuce re-sent the batch) from a
 * collision by the batch's own publication outbox entry and the grab's user.
 *
 * <p>After cleanup the sale's keys are gone (NOT_IN_REDIS); a request id is then answered from its
 * user_coupons row (column request_id), so a retry still gets its original grant.
 */
public final class Grabber implements Grabs {
    private static final Logger log = LoggerFactory.getLogger(Grabber.class);
    private static final int MAX_ATTEMPTS = 3;
    /**
     * Borrows one grab may go through while others keep taking each chunk before it; past them it is
     * answered UNAVAILABLE (nothing changed, retry), never SOLD_OUT: every borrow that succeeded found stock.
     */
    private static final int MAX_BORROWS = 64;

    private final SaleStore store;
    private final SaleSegments segments;
    private final GrantLedger ledger;
    private final CouponSnGenerator serials;
    private final SoldOutFlags soldOut;
    private final Clock clock;
    private final GrabMetrics metrics;
    private final UserCouponRepository coupons;
    private final Executor lookups;
    private final long answerTimeoutMs;

    /**
     * {@code coupons} answers request ids of cleaned-up sales; {@code lookups} runs those MySQL reads
     * when they follow an asynchronous Redis call (never on Lettuce's event loop).
     */
    public Grabber(SaleStore store, GrantLedger ledger, CouponSnGenerator serials, SoldOutFlags soldOut,
            Clock clock, GrabMetrics metrics, UserCouponRepository coupons, Executor lookups, long answerTimeoutMs) {
        this.answerTimeoutMs = answerTimeoutMs;
        this.store = store;
        this.segments = new SaleSegments(store);
        this.ledger = ledger;
        this.serials = serials;
        this.soldOut = soldOut;
        this.clock = clock;
        this.metrics = metrics;
        this.coupons = coupons;
        this.lookups = lookups;
    }

    @Override
    public CompletionStage<GrabAnswer> settle(GrabAnswer refusal, Activity activity, long userId, String requestId) {
        GrabCode local = switch (refusal.verdict()) {
            case SOLD_OUT -> GrabCode.SOLD_OUT;
            case ENDED -> GrabCode.ENDED;
            case NOT_ACTIVE -> GrabCode.NOT_ACTIVE;
            default -> throw new IllegalArgumentException("only a local sold-out, ended or paused refusal is settled,"
                    + " not " + refusal.verdict());
        };
        return store.settle(SaleSegments.ofUser(activity, userId), userId, requestId, local)
                .thenCompose(r -> {
                    if (r.code() == GrabCode.NOT_IN_REDIS) {
                        // Cleaned up: the request's grant, if any, is a row now.
                        return CompletableFuture.supplyAsync(
                                () -> fromRow(activity, userId, requestId).orElse(refusal), lookups);
                    }
                    if (r.code() == local && !r.recorded()) {
                        return CompletableFuture.completedFuture(refusal);
                    }
                    return CompletableFuture.completedFuture(GrabAnswer.of(activity, r));
                })
                .handle((a, e) -> e != null ? GrabAnswer.unavailable("settling request_id " + requestId
                        + " failed: " + rootMessage(e) + "; nothing was granted by this call, retry", e) : a);
    }

    @Override
    public GrabAnswer grab(Activity activity, long userId, String requestId, Deadline latestStart) {
        GrabResult last = null;
        Segment segment = SaleSegments.ofUser(activity, userId);
        int borrows = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (latestStart != null && latestStart.isExpired()) {
                return GrabAnswer.deadlineExceeded("the call's deadline " + (attempt == 0 ? "" : "(after " + attempt
                        + " interrupted attempt(s)) ") + "left no time to grab; nothing was changed");
            }
            GrabCandidate grab = new GrabCandidate(userId, serials.next(), clock.millis(), requestId);
            try {
                last = ledger.grab(segment, activity.templateId(), grab).get(answerTimeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                return GrabAnswer.unavailable(e.getCause().getMessage(), e.getCause().getCause());
            } catch (TimeoutException e) {
                return GrabAnswer.unavailable("the grab's batch did not finish within " + answerTimeoutMs + " ms: its"
                        + " outcome is unknown; retry with the same request_id to learn it", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return GrabAnswer.unavailable("interrupted while the grab's batch ran (shutting down): its outcome is"
                        + " unknown; retry with the same request_id to learn it", e);
            }
            switch (last.code()) {
                case SN_COLLISION -> {
                    metrics.snCollision();
                    log.warn("coupon_sn {} of a grab of user {} in activity {} is another grab's in the ledger"
                            + " (two instances with one node id? a clock stepped back?); retrying with a fresh one",
                            grab.couponSn(), userId, activity.id());
                    continue;
                }
                // remaining is Redis's stock now: 0 when this refusal is fresh, maybe more when it is
                // a request's recorded one and the sale was restocked since.
                case SOLD_OUT, GRANTED -> {
                    // A split sale's segment at 0 is not the sale sold out: only a failed borrow says that.
                    if (last.remaining() == 0 && !segment.split()) {
                        soldOut.markSoldOut(activity.id());
                    }
                }
                case SEGMENT_EMPTY -> {
                    if (borrows++ >= MAX_BORROWS) {
                        return GrabAnswer.unavailable("the grab's segment ran out " + MAX_BORROWS + " times while other"
                                + " grabs took the stock it borrowed; nothing was granted, retry", null);
                    }
                    boolean borrowed;
                    try {
                        borrowed = segments.borrow(activity, segment);
                    } catch (RuntimeException e) {
                        return GrabAnswer.unavailable("the grab's segment ran out and borrowing stock for it failed: "
                                + rootMessage(e) + "; nothing was granted, retry", e);
                    }
                    if (borrowed) {
                        attempt--;
                        continue;
                    }
                    return soldOutEverywhere(activity, segment, userId, requestId);
                }
                case NOT_IN_REDIS -> {
                    if (requestId != null) {
                        Optional<GrabAnswer> original = fromRow(activity, userId, requestId);
                        if (original.isPresent()) {
                            return original.get();
                        }
                    }
                }
                default -> { }
            }
            return GrabAnswer.of(activity, last);
        }
        return GrabAnswer.unavailable("the grab's coupon_sn collided " + MAX_ATTEMPTS
                + " times (" + last.code() + "); nothing was granted, retry", null);
    }

    /**
     * The answer when the grab's segment and every other segment of its split sale ran out: SOLD_OUT,
     * recorded for the request id first (lua/settle.lua, which answers the request's earlier outcome
     * instead when it has one, and LIMIT_REACHED for a user at the limit), and remembered locally.
     */
    private GrabAnswer soldOutEverywhere(Activity activity, Segment segment, long userId, String requestId) {
        soldOut.markSoldOut(activity.id());
        GrabAnswer soldOutAnswer = GrabAnswer.of(activity, new GrabResult(GrabCode.SOLD_OUT, 0, 0, ""));
        if (requestId == null) {
            return soldOutAnswer;
        }
        try {
            GrabResult r = store.settle(segment, userId, requestId, GrabCode.SOLD_OUT).toCompletableFuture()
                    .get(answerTimeoutMs, TimeUnit.MILLISECONDS);
            return r.code() == GrabCode.SOLD_OUT && !r.recorded() ? soldOutAnswer : GrabAnswer.of(activity, r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return GrabAnswer.unavailable("interrupted while recording the sold-out answer of request_id " + requestId
                    + "; nothing was granted, retry", e);
        } catch (ExecutionException | TimeoutException e) {
            return GrabAnswer.unavailable("recording the sold-out answer of request_id " + requestId + " failed: "
                    + rootMessage(e) + "; nothing was granted, retry", e);
        }
    }

    /** The grant of a request id of a sale no longer in Redis, from its row (blocking MySQL read). */
    private Optional<GrabAnswer> fromRow(Activity activity, long userId, String requestId) {
        Optional<GrantRow> row = coupons.findByRequest(activity.id(), userId, requestId);
        return row.map(r -> GrabAnswer.repeated(r.couponSn(), 0, r.seq()));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
