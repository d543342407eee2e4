package io.flashcoupon.core.sale.ledger;

import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.proto.v1.CouponGrabbed;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the grab to its CouponGrabbed event: the local transaction is the grab script, run after
 * the half message is stored; its event commits if and only if the grab is in the ledger. A
 * re-published event ({@link Republish}) has the plain ledger read as its local transaction
 * instead; the check-back of either is {@link LedgerCheckBack} (the voiding read).
 */
final class LedgerTransactions implements TransactionListener {
    private static final Logger log = LoggerFactory.getLogger(LedgerTransactions.class);

    /** The grab script for one event (SaleStore.grabSync); throws when Redis failed mid-grab. */
    @FunctionalInterface
    interface GrabScript {
        GrabResult run(CouponGrabbed grab);
    }

    /** The plain ledger read (SaleStore.inLedger): never voids anything; throws when it cannot tell. */
    @FunctionalInterface
    interface PlainRead {
        boolean inLedger(long activityId, String couponSn);
    }

    /**
     * The argument of a grab's transactional send: its event, and where its local transaction puts
     * the script's answer (or, exceptionally, the failure that leaves the outcome unknown). Left
     * incomplete when the half message was not stored, so the script never ran.
     */
    record Grab(CouponGrabbed event, CompletableFuture<GrabResult> ran) {}

    /** The argument of a re-published grant's transactional send. */
    record Republish(long activityId, String couponSn) {}

    private final GrabScript script;
    private final PlainRead plainRead;
    private final LedgerCheckBack checkBack;

    LedgerTransactions(GrabScript script, PlainRead plainRead, LedgerCheckBack checkBack) {
        this.script = script;
        this.plainRead = plainRead;
        this.checkBack = checkBack;
    }

    @Override
    public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
        if (arg instanceof Republish r) {
            return republished(r);
        }
        Grab grab = (Grab) arg;
        GrabResult result;
        try {
            result = script.run(grab.event());
        } catch (RuntimeException | Error e) {
            // The grab may or may not have run: only the ledger can tell, so the check-back decides. An
            // Error too: left incomplete, the future would read as "broker refused, nothing granted"
            // while the check-back commits a grant the script made.
            grab.ran().completeExceptionally(e);
            return LocalTransactionState.UNKNOW;
        }
        grab.ran().complete(result);
        return result.code() == GrabCode.GRANTED
                ? LocalTransactionState.COMMIT_MESSAGE
                : LocalTransactionState.ROLLBACK_MESSAGE;
    }

    private LocalTransactionState republished(Republish r) {
        try {
            if (plainRead.inLedger(r.activityId(), r.couponSn())) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }
            log.warn("re-publish of coupon {} of activity {}: not in the ledger (any more); rolling back",
                    r.couponSn(), r.activityId());
            return LocalTransactionState.ROLLBACK_MESSAGE;
        } catch (RuntimeException e) {
            log.warn("re-publish of coupon {} of activity {} could not read the ledger; the check-back decides: {}",
                    r.couponSn(), r.activityId(), e.toString());
            return LocalTransactionState.UNKNOW;
        }
    }

    @Override
    public LocalTransactionState checkLocalTransaction(MessageExt msg) {
        return checkBack.check(msg::getUserProperty);
    }
}
