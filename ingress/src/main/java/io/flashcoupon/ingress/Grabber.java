package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.ledger.GrabUnsettledException;
import io.flashcoupon.core.sale.ledger.GrantLedger;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.proto.v1.CouponGrabbed;
import java.time.Clock;
import java.util.concurrent.CompletionStage;

/**
 * Steps 4-5 of the grab (docs/architecture.md) for an admitted request: a coupon_sn made here,
 * then the grab script inside its CouponGrabbed event's transactional send ({@link GrantLedger}).
 * GRANTED is returned only once the grab is in the ledger, so its event is committed or will be by
 * the check-back. A retry carrying a request id that was granted before gets the original coupon_sn
 * back (REPEATED, answered like a grant, counted apart so coupon_grab_outcomes_total{code="granted"}
 * counts new grants). A grab the ledger could not settle, or that raced with the same user's other
 * grabs three times, is answered UNAVAILABLE; each transactional send is counted by its local
 * decision (coupon_tx_sends_total).
 */
public final class Grabber implements Grabs {
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

    @Override
    public CompletionStage<GrabAnswer> previousGrantOr(GrabAnswer refusal, long activityId, long userId,
            String requestId) {
        return store.previousGrant(activityId, userId, requestId).handle((previous, e) -> e != null
                ? GrabAnswer.unavailable("Redis call failed: " + e.getMessage(), e)
                : previous.map(g -> GrabAnswer.repeated(g.couponSn(), refusal.remaining(), g.seq())).orElse(refusal));
    }

    @Override
    public GrabAnswer grab(Activity activity, long userId, String requestId) {
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
                return GrabAnswer.unavailable(e.getMessage(), e.getCause());
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
            return GrabAnswer.of(activity, last);
        }
        return GrabAnswer.unavailable("the grab raced with itself " + MAX_ATTEMPTS
                + " times (" + last.code() + "); nothing was granted, retry", null);
    }
}
