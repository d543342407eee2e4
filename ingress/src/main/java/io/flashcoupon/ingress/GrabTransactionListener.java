package io.flashcoupon.ingress;

import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.SaleStore;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the grab to its CouponGrabbed event: the local transaction is the grab script, run after
 * the half message is stored; its event commits if and only if the grab is in the ledger. A
 * re-published event ({@link Republish}) has the ledger read as its local transaction instead.
 */
final class GrabTransactionListener implements TransactionListener {
    private static final Logger log = LoggerFactory.getLogger(GrabTransactionListener.class);

    private final SaleStore store;
    private final GrabChecker checker;
    private final LedgerResolver ledgerRead;

    /** {@code ledgerRead} answers "is it in the ledger?" without voiding anything (re-publish). */
    GrabTransactionListener(SaleStore store, GrabChecker checker, LedgerResolver ledgerRead) {
        this.store = store;
        this.checker = checker;
        this.ledgerRead = ledgerRead;
    }

    /** The argument of a re-published grant's transactional send. */
    record Republish(long activityId, String couponSn) {}

    @Override
    public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
        if (arg instanceof Republish r) {
            return republished(r);
        }
        GrabCall call = (GrabCall) arg;
        try {
            call.result = store.grabSync(call.activityId, call.userId, call.couponSn, call.grantedAtMs, call.seq,
                    call.requestId);
        } catch (RuntimeException e) {
            // The grab may or may not have run: only the ledger can tell, so the check-back decides.
            call.failure = e;
            return LocalTransactionState.UNKNOW;
        }
        return call.result.code() == GrabCode.GRANTED
                ? LocalTransactionState.COMMIT_MESSAGE
                : LocalTransactionState.ROLLBACK_MESSAGE;
    }

    private LocalTransactionState republished(Republish r) {
        try {
            if (ledgerRead.inLedger(r.activityId(), r.couponSn())) {
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
        return checker.check(msg::getUserProperty);
    }
}
