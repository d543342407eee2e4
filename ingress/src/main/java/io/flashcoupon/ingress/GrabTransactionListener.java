package io.flashcoupon.ingress;

import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.SaleStore;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Binds the grab to its CouponGrabbed event: the local transaction is the grab script, run after
 * the half message is stored; its event commits if and only if the grab is in the ledger.
 */
final class GrabTransactionListener implements TransactionListener {
    private final SaleStore store;
    private final GrabChecker checker;

    GrabTransactionListener(SaleStore store, GrabChecker checker) {
        this.store = store;
        this.checker = checker;
    }

    @Override
    public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
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

    @Override
    public LocalTransactionState checkLocalTransaction(MessageExt msg) {
        return checker.check(msg::getUserProperty);
    }
}
