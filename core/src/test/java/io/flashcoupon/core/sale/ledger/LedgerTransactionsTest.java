package io.flashcoupon.core.sale.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;

class LedgerTransactionsTest {
    private static final CouponGrabbed GRABBED = CouponGrabbed.newBuilder().setCouponSn("0000000000000000007")
            .setActivityId(42).setTemplateId(3).setUserId(9).setSeq(2).setGrantedAtMs(1_767_225_600_123L).build();
    private static final LedgerTransactions.Republish REPUBLISH =
            new LedgerTransactions.Republish(42, "0000000000000000007");
    private static final LedgerTransactions.GrabScript NO_GRAB = g -> {
        throw new AssertionError("a republish never runs the grab script");
    };

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
        Message m = GrantLedger.message(Registry.TOPIC_COUPON_EVENTS, GRABBED);
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
    }

    @Test
    void the_check_back_of_a_republished_message_uses_the_voiding_check_back() {
        AtomicInteger resolved = new AtomicInteger();
        LedgerTransactions listener = new LedgerTransactions(NO_GRAB, (a, sn) -> false, new LedgerCheckBack((a, sn, grantee) -> {
            resolved.incrementAndGet();
            return true;
        }));
        org.apache.rocketmq.common.message.MessageExt ext = new org.apache.rocketmq.common.message.MessageExt();
        Message m = GrantLedger.message(Registry.TOPIC_COUPON_EVENTS, GRABBED);
        ext.putUserProperty(Registry.PROP_ACTIVITY_ID, m.getUserProperty(Registry.PROP_ACTIVITY_ID));
        ext.putUserProperty(Registry.PROP_COUPON_SN, m.getUserProperty(Registry.PROP_COUPON_SN));
        assertThat(listener.checkLocalTransaction(ext)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
        assertThat(resolved).hasValue(1);
    }

    @Test
    void a_granted_grab_commits_its_event_and_hands_the_answer_back() throws Exception {
        GrabResult granted = new GrabResult(GrabCode.GRANTED, 4, 2, "0000000000000000007");
        CouponGrabbed[] ran = new CouponGrabbed[1];
        LedgerTransactions.Grab call = new LedgerTransactions.Grab(GRABBED, new CompletableFuture<>());
        LedgerTransactions listener = grabbing(g -> {
            ran[0] = g;
            return granted;
        });

        assertThat(listener.executeLocalTransaction(null, call)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
        assertThat(ran[0]).as("the script is told the event's grab").isEqualTo(GRABBED);
        assertThat(GrantLedger.settle(call.ran(), null)).isEqualTo(granted);
    }

    @Test
    void a_refused_grab_rolls_its_event_back_and_hands_the_refusal_back() throws Exception {
        GrabResult soldOut = new GrabResult(GrabCode.SOLD_OUT, 0, 0, null);
        LedgerTransactions.Grab call = new LedgerTransactions.Grab(GRABBED, new CompletableFuture<>());

        assertThat(grabbing(g -> soldOut).executeLocalTransaction(null, call))
                .isEqualTo(LocalTransactionState.ROLLBACK_MESSAGE);
        assertThat(GrantLedger.settle(call.ran(), null)).isEqualTo(soldOut);
    }

    @Test
    void a_redis_error_mid_grab_answers_unknown_and_the_grab_is_unsettled_with_its_cause() {
        SaleStoreException redis = new SaleStoreException("Redis did not answer within 3000 ms", null);
        LedgerTransactions.Grab call = new LedgerTransactions.Grab(GRABBED, new CompletableFuture<>());

        assertThat(grabbing(g -> {
            throw redis;
        }).executeLocalTransaction(null, call)).isEqualTo(LocalTransactionState.UNKNOW);
        assertThatThrownBy(() -> GrantLedger.settle(call.ran(), null))
                .isInstanceOfSatisfying(GrabUnsettledException.class,
                        e -> assertThat(e.reason()).isEqualTo(GrabUnsettledException.Reason.OUTCOME_UNKNOWN))
                .hasMessage("Redis did not answer or did not confirm the grab on disk: the grab's outcome is"
                        + " unknown; retry with the same request_id to learn it")
                .hasCause(redis);
    }

    @Test
    void a_grab_whose_half_message_was_not_stored_never_ran_and_is_refused_by_the_broker() {
        MQClientException broker = new MQClientException("no route", null);
        assertThatThrownBy(() -> GrantLedger.settle(new CompletableFuture<>(), broker))
                .isInstanceOfSatisfying(GrabUnsettledException.class,
                        e -> assertThat(e.reason()).isEqualTo(GrabUnsettledException.Reason.BROKER_REFUSED))
                .hasMessage("the event broker refused the grab; nothing was granted")
                .hasCause(broker);
        assertThatThrownBy(() -> GrantLedger.settle(new CompletableFuture<>(), null))
                .as("a half message the broker did not store without an exception")
                .isInstanceOfSatisfying(GrabUnsettledException.class,
                        e -> assertThat(e.reason()).isEqualTo(GrabUnsettledException.Reason.BROKER_REFUSED));
    }

    @Test
    void a_send_failure_after_the_script_ran_keeps_the_script_answer() throws Exception {
        GrabResult granted = new GrabResult(GrabCode.GRANTED, 4, 2, "0000000000000000007");
        assertThat(GrantLedger.settle(CompletableFuture.completedFuture(granted), new MQClientException("end tx", null)))
                .as("the end-transaction call failed: the check-back settles the event").isEqualTo(granted);
    }

    private static LedgerTransactions listener(LedgerTransactions.PlainRead plainRead) {
        // Re-publishes read the ledger through plainRead; the voiding read is for check-backs only.
        return new LedgerTransactions(NO_GRAB, plainRead, new LedgerCheckBack((a, sn, grantee) -> {
            throw new AssertionError("a republish's local transaction must not resolve (void)");
        }));
    }

    private static LedgerTransactions grabbing(LedgerTransactions.GrabScript script) {
        return new LedgerTransactions(script, (a, sn) -> {
            throw new AssertionError("a grab's local transaction is the script, not a ledger read");
        }, new LedgerCheckBack((a, sn, grantee) -> {
            throw new AssertionError("a grab's local transaction must not resolve (void)");
        }));
    }
}
