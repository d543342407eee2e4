package io.flashcoupon.core.sale.ledger;

import io.flashcoupon.core.sale.Segment;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local transaction of a re-published grant's CouponGrabbed event ({@link Republish}): the plain
 * ledger read, so the event commits only while the grant is in the ledger. Its check-back is
 * {@link LedgerCheckBack} (the voiding read), which also answers half messages of the per-grant
 * transactional grab that a process older than the group commit left open.
 */
final class LedgerTransactions implements TransactionListener {
    private static final Logger log = LoggerFactory.getLogger(LedgerTransactions.class);

    /** The plain ledger read (SaleStore.inLedger): never voids anything; throws when it cannot tell. */
    @FunctionalInterface
    interface PlainRead {
        boolean inLedger(Segment segment, String couponSn);
    }

    /** The argument of a re-published grant's transactional send. */
    record Republish(Segment segment, String couponSn) {}

    private final PlainRead plainRead;
    private final LedgerCheckBack checkBack;

    LedgerTransactions(PlainRead plainRead, LedgerCheckBack checkBack) {
        this.plainRead = plainRead;
        this.checkBack = checkBack;
    }

    @Override
    public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
        return republished((Republish) arg);
    }
    private LocalTransactionState republished(Republish r) {
        try {
            if (plainRead.inLedger(r.segment(), r.couponSn())) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }
            log.warn("re-publish of coupon {} of {}: not in the ledger (any more); rolling back",
                    r.couponSn(), r.segment());
            return LocalTransactionState.ROLLBACK_MESSAGE;
        } catch (RuntimeException e) {
            log.warn("re-publish of coupon {} of {} could not read the ledger; the check-back decides: {}",
                    r.couponSn(), r.segment(), e.toString());
            return LocalTransactionState.UNKNOW;
        }
    }

    @Override
    public LocalTransactionState checkLocalTransaction(MessageExt msg) {
        return checkBack.check(msg::getUserProperty);
    }
}
