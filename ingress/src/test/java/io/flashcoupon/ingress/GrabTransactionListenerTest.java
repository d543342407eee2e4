package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;

class GrabTransactionListenerTest {
    private static final CouponGrabbed GRABBED = CouponGrabbed.newBuilder().setCouponSn("0000000000000000007")
            .setActivityId(42).setTemplateId(3).setUserId(9).setSeq(2).setGrantedAtMs(1_767_225_600_123L).build();
    private static final GrabTransactionListener.Republish REPUBLISH =
            new GrabTransactionListener.Republish(42, "0000000000000000007");

    @Test
    void a_republished_grant_in_the_ledger_commits() {
        assertThat(listener((a, sn) -> a == 42 && sn.equals("0000000000000000007"))
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
        Message m = GrabEventPublisher.message(GRABBED);
        CouponEvent event = CouponEvent.parseFrom(m.getBody());
        assertThat(event.getEventId()).as("same id as the original: consumers deduplicate").isEqualTo("grab-0000000000000000007");
        assertThat(event.getGrabbed()).isEqualTo(GRABBED);
        assertThat(event.getOccurredAtMs()).isEqualTo(GRABBED.getGrantedAtMs());
        assertThat(m.getTopic()).isEqualTo(Registry.TOPIC_COUPON_EVENTS);
        assertThat(m.getTags()).isEqualTo(Registry.TAG_COUPON_GRABBED);
        assertThat(m.getKeys()).isEqualTo("0000000000000000007");
        assertThat(m.getUserProperty(Registry.PROP_ACTIVITY_ID)).isEqualTo("42");
        assertThat(m.getUserProperty(Registry.PROP_COUPON_SN)).isEqualTo("0000000000000000007");
    }

    @Test
    void the_check_back_of_a_republished_message_uses_the_grab_checker() {
        AtomicInteger resolved = new AtomicInteger();
        GrabTransactionListener listener = new GrabTransactionListener(null, new GrabChecker((a, sn) -> {
            resolved.incrementAndGet();
            return true;
        }), (a, sn) -> false);
        org.apache.rocketmq.common.message.MessageExt ext = new org.apache.rocketmq.common.message.MessageExt();
        Message m = GrabEventPublisher.message(GRABBED);
        ext.putUserProperty(Registry.PROP_ACTIVITY_ID, m.getUserProperty(Registry.PROP_ACTIVITY_ID));
        ext.putUserProperty(Registry.PROP_COUPON_SN, m.getUserProperty(Registry.PROP_COUPON_SN));
        assertThat(listener.checkLocalTransaction(ext)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
        assertThat(resolved).hasValue(1);
    }

    private static GrabTransactionListener listener(LedgerResolver ledgerRead) {
        // The store is only used by real grabs; re-publishes read the ledger through ledgerRead.
        return new GrabTransactionListener(null, new GrabChecker((a, sn) -> {
            throw new AssertionError("a republish's local transaction must not resolve (void)");
        }), ledgerRead);
    }
}
