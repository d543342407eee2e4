package io.flashcoupon.core.sale.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;

class LedgerTransactionsTest {
    private static final CouponGrabbed GRABBED = CouponGrabbed.newBuilder().setCouponSn("0000000000000000007")
            .setActivityId(42).setTemplateId(3).setUserId(9).setSeq(2).setGrantedAtMs(1_767_225_600_123L).build();
    private static final LedgerTransactions.Republish REPUBLISH =
            new LedgerTransactions.Republish(Segment.only(42), "0000000000000000007");

    @Test
    void a_republished_grant_in_the_ledger_commits() {
        assertThat(listener((a, sn) -> a.activityId() == 42 && sn.equals("0000000000000000007"))
                .executeLocalTransaction(null, REPUBLISH)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
    }

    @Test
    void a_republished_grant_no_longer_in_the_ledger_rolls_back() {
        assertThat(listener((a, sn) -> false).executeLocalTransaction(null, REPUBLISH))
                .isEqualTo(LocalTransactionState.ROLLBACK_MESSAGE);
    }

    @Test
    void a_redis_error_during_a_republish_answers_unknown_so_the_check_back_decides() {
        assertThat(listener((a, sn) -> {
            throw new SaleStoreException("Redis did not answer within 3000 ms", null);
        }).executeLocalTransaction(null, REPUBLISH)).isEqualTo(LocalTransactionState.UNKNOW);
    }

    @Test
    void a_republished_message_is_the_original_event_with_the_check_back_properties() throws Exception {
        Message m = GrantLedger.message(Registry.TOPIC_COUPON_EVENTS, GRABBED, Segment.only(42));
        CouponEvent event = CouponEvent.parseFrom(m.getBody());
        assertThat(event.getEventId()).as("same id as the original: consumers deduplicate").isEqualTo("grab-0000000000000000007");
        assertThat(event.getGrabbed()).isEqualTo(GRABBED);
        assertThat(event.getOccurredAtMs()).isEqualTo(GRABBED.getGrantedAtMs());
        assertThat(m.getTopic()).isEqualTo(Registry.TOPIC_COUPON_EVENTS);
        assertThat(m.getTags()).isEqualTo(Registry.TAG_COUPON_GRABBED);
        assertThat(m.getKeys()).isEqualTo("0000000000000000007");
        assertThat(m.getUserProperty(Registry.PROP_ACTIVITY_ID)).isEqualTo("42");
        assertThat(m.getUserProperty(Registry.PROP_COUPON_SN)).isEqualTo("0000000000000000007");
        assertThat(m.getUserProperty(Registry.PROP_GRANTEE)).as("user 9, seq 2").isEqualTo("9:2");
        assertThat(m.getUserProperty(Registry.PROP_SEGMENT)).as("an unsplit sale names no segment").isNull();
        assertThat(GrantLedger.message(Registry.TOPIC_COUPON_EVENTS, GRABBED, Segment.of(42, 1, 3))
                .getUserProperty(Registry.PROP_SEGMENT)).isEqualTo("1/3");
    }

    @Test
    void the_check_back_of_a_republished_message_uses_the_voiding_check_back() {
        AtomicInteger resolved = new AtomicInteger();
        LedgerTransactions listener = new LedgerTransactions((a, sn) -> false, new LedgerCheckBack((a, sn, grantee) -> {
            resolved.incrementAndGet();
            return true;
        }));
        org.apache.rocketmq.common.message.MessageExt ext = new org.apache.rocketmq.common.message.MessageExt();
        Message m = GrantLedger.message(Registry.TOPIC_COUPON_EVENTS, GRABBED, Segment.only(42));
        ext.putUserProperty(Registry.PROP_ACTIVITY_ID, m.getUserProperty(Registry.PROP_ACTIVITY_ID));
        ext.putUserProperty(Registry.PROP_COUPON_SN, m.getUserProperty(Registry.PROP_COUPON_SN));
        assertThat(listener.checkLocalTransaction(ext)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
        assertThat(resolved).hasValue(1);
    }

    private static LedgerTransactions listener(LedgerTransactions.PlainRead plainRead) {
        // Re-publishes read the ledger through plainRead; the voiding read is for check-backs only.
        return new LedgerTransactions(plainRead, new LedgerCheckBack((a, sn, grantee) -> {
            throw new AssertionError("a republish's local transaction must not resolve (void)");
        }));
    }
}
