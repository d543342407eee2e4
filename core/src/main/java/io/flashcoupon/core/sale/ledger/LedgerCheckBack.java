package io.flashcoupon.core.sale.ledger;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.Segment;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's check-back for a CouponGrabbed half message: COMMIT when the grab is in the ledger,
 * ROLLBACK when it is absent (and now voided, so it can never land later) or when its coupon_sn is
 * in the ledger as another grab's (the message's grantee property differs: the same coupon_sn was
 * made twice and the grab script refused this one), UNKNOW on any error or
 * unreadable message - never ROLLBACK because something failed. The broker asks again later.
 * Pure: the ledger read is handed in, so every answer is testable without Redis or a broker.
 */
public final class LedgerCheckBack {
    private static final Logger log = LoggerFactory.getLogger(LedgerCheckBack.class);

    /**
     * The voiding ledger read ({@code SaleStore.resolve}): true when the grant is in the ledger as
     * {@code grantee}'s ("userId:seq"; null: anyone's); when the coupon_sn is not there at all, it is
     * voided so the grab can never land later. Throws when it cannot tell.
     */
    @FunctionalInterface
    public interface VoidingRead {
        boolean resolve(Segment segment, String couponSn, String grantee);
    }

    private final VoidingRead ledger;
    private final Consumer<LocalTransactionState> answered;

    public LedgerCheckBack(VoidingRead ledger) {
        this(ledger, state -> { });
    }

    /** {@code answered} is told every answer given (the check-back metric). */
    public LedgerCheckBack(VoidingRead ledger, Consumer<LocalTransactionState> answered) {
        this.ledger = ledger;
        this.answered = answered;
    }

    /** {@code property} reads a message property by name. */
    public LocalTransactionState check(Function<String, String> property) {
        LocalTransactionState state = resolve(property);
        answered.accept(state);
        return state;
    }

    private LocalTransactionState resolve(Function<String, String> property) {
        String activity = property.apply(Registry.PROP_ACTIVITY_ID);
        String sn = property.apply(Registry.PROP_COUPON_SN);
        if (activity == null || sn == null) {
            log.error("check-back for a message without {}/{}; answering UNKNOW",
                    Registry.PROP_ACTIVITY_ID, Registry.PROP_COUPON_SN);
            return LocalTransactionState.UNKNOW;
        }
        try {
            boolean present = ledger.resolve(segment(Long.parseLong(activity), property.apply(Registry.PROP_SEGMENT)), sn,
                    property.apply(Registry.PROP_GRANTEE));
            return present ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE;
        } catch (RuntimeException e) {
            log.warn("check-back for coupon {} of activity {} could not read the ledger; answering UNKNOW: {}",
                    sn, activity, e.toString());
            return LocalTransactionState.UNKNOW;
        }
    }

    /** The segment a message names ("index/count", {@link Registry#PROP_SEGMENT}); none: the only one. */
    static Segment segment(long activityId, String property) {
        if (property == null) {
            return Segment.only(activityId);
        }
        int slash = property.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("segment property must be index/count, was " + property);
        }
        return Segment.of(activityId, Integer.parseInt(property.substring(0, slash)),
                Integer.parseInt(property.substring(slash + 1)));
    }
}
