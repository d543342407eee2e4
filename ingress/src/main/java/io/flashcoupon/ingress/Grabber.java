package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.ledger.GrabUnsettledException;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import java.time.Clock;

/**
 * Steps 2-3 of the grab (DESIGN.md "The grab") for an admitted request: a coupon_sn made here,
 * then the grab script inside its CouponGrabbed event's transactional send ({@link GrantLedger}).
 * GRANTED is returned only once the grab is in the ledger, so its event is committed or will be by
 * the check-back. A retry
 * carrying a request id that was granted before gets the original coupon_sn back (outcome REPEATED,
 * answered like a grant, counted apart so coupon_grab_outcomes_total{code="granted"} counts new grants).
 */
public final class Grabber {
    private static final int MAX_ATTEMPTS = 3;

    private final SaleStore store;
    private final GrantLedger ledger;
    private final CouponSnGenerator serials;
    private final SoldOutFlags soldOut;
    private final Clock clock;
    private final GrabMetrics metrics;

    public Grabber(SaleStore store, GrantLedger ledger, CouponSnGenerator serials, SoldOutFlags soldOut,
            Clock clock, GrabMetrics metrics) {
        this.store = store;
        this.ledger = ledger;
        this.serials = serials;
        this.soldOut = soldOut;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** The original grant of this client request if there was one, else {@code refusal}; no grab. */
    public java.util.concurrent.CompletionStage<GrabOutcome> previousGrantOr(GrabOutcome refusal, long userId,
            String requestId) {
        return store.previousGrant(refusal.activity().id(), userId, requestId).thenApply(previous -> previous
                .map(g -> new GrabOutcome(refusal.activity(), GrabCode.REPEATED, g.couponSn(), refusal.remaining(),
                        g.seq()))
                .orElse(refusal));
    }

    public GrabOutcome grab(Activity activity, long userId, String requestId) {
        GrabResult last = null;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            int seq = activity.perUserLimit() > 1 ? store.userCount(activity.id(), userId) + 1 : 1;
            CouponGrabbed.Builder grab = CouponGrabbed.newBuilder()
                    .setCouponSn(serials.next())
                    .setActivityId(activity.id())
                    .setTemplateId(activity.templateId())
                    .setUserId(userId)
                    .setSeq(seq)
                    .setGrantedAtMs(clock.millis());
            if (requestId != null) {
                grab.setRequestId(requestId);
            }
            try {
                last = ledger.grab(grab.build());
            } catch (GrabUnsettledException e) {
                metrics.sent(e.reason() == GrabUnsettledException.Reason.OUTCOME_UNKNOWN
                        ? GrabMetrics.TxSend.UNKNOWN : GrabMetrics.TxSend.SEND_FAILED);
                throw new GrabUnavailableException(e.getMessage(), e.getCause());
            }
            // As the ledger's local transaction decided: only a grant commits the half message.
            metrics.sent(last.code() == GrabCode.GRANTED ? GrabMetrics.TxSend.COMMIT : GrabMetrics.TxSend.ROLLBACK);
            switch (last.code()) {
                case SEQ_STALE, VOIDED -> {
                    continue;
                }
                case SOLD_OUT -> soldOut.markSoldOut(activity.id());
                case GRANTED -> {
                    if (last.remaining() == 0) {
                        soldOut.markSoldOut(activity.id());
                    }
                }
                default -> { }
            }
            return new GrabOutcome(activity, last.code(), last.couponSn(), last.remaining(), last.seq());
        }
        throw new GrabUnavailableException("the grab raced with itself " + MAX_ATTEMPTS
                + " times (" + last.code() + "); nothing was granted, retry", null);
    }
}
