package io.flashcoupon.core.sale.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.core.sale.Segment;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.junit.jupiter.api.Test;

class LedgerCheckBackTest {
    private static final Map<String, String> PROPS = Map.of(
            Registry.PROP_ACTIVITY_ID, "42", Registry.PROP_COUPON_SN, "0000000000000000001");

    @Test
    void grab_in_the_ledger_commits() {
        assertThat(new LedgerCheckBack((a, sn, grantee) -> true).check(PROPS::get)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
    }

    @Test
    void grab_absent_from_the_ledger_rolls_back() {
        assertThat(new LedgerCheckBack((a, sn, grantee) -> false).check(PROPS::get))
                .isEqualTo(LocalTransactionState.ROLLBACK_MESSAGE);
    }

    @Test
    void a_redis_error_answers_unknown_never_rollback() {
        LedgerCheckBack checker = new LedgerCheckBack((a, sn, grantee) -> {
            throw new SaleStoreException("Redis did not answer within 3000 ms", null);
        });
        assertThat(checker.check(PROPS::get)).isEqualTo(LocalTransactionState.UNKNOW);
    }

    @Test
    void a_message_without_its_properties_answers_unknown_without_asking_redis() {
        AtomicInteger asked = new AtomicInteger();
        LedgerCheckBack checker = new LedgerCheckBack((a, sn, grantee) -> {
            asked.incrementAndGet();
            return false;
        });
        assertThat(checker.check(name -> null)).isEqualTo(LocalTransactionState.UNKNOW);
        assertThat(asked).hasValue(0);
    }

    @Test
    void the_checker_asks_the_segment_the_message_names() {
        Segment[] seen = new Segment[1];
        Map<String, String> props = new java.util.HashMap<>(PROPS);
        props.put(Registry.PROP_SEGMENT, "2/3");
        assertThat(new LedgerCheckBack((s, sn, grantee) -> {
            seen[0] = s;
            return true;
        }).check(props::get)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
        assertThat(seen[0]).isEqualTo(Segment.of(42, 2, 3));
    }

    @Test
    void a_message_naming_a_segment_that_cannot_exist_answers_unknown() {
        Map<String, String> props = new java.util.HashMap<>(PROPS);
        props.put(Registry.PROP_SEGMENT, "3/3");
        assertThat(new LedgerCheckBack((s, sn, grantee) -> true).check(props::get))
                .isEqualTo(LocalTransactionState.UNKNOW);
    }

    @Test
    void the_checker_asks_for_the_message_activity_and_serial() {
        long[] seenActivity = new long[1];
        String[] seenSn = new String[1];
        String[] seenGrantee = {"not asked"};
        new LedgerCheckBack((a, sn, grantee) -> {
            seenActivity[0] = a.activityId();
            assertThat(a).as("a message that names no segment is of an unsplit sale").isEqualTo(Segment.only(42));
            seenSn[0] = sn;
            seenGrantee[0] = grantee;
            return true;
        }).check(PROPS::get);
        assertThat(seenActivity[0]).isEqualTo(42L);
        assertThat(seenSn[0]).isEqualTo("0000000000000000001");
        assertThat(seenGrantee[0]).as("a message sent before grantees were named: any entry counts").isNull();
    }

    @Test
    void the_checker_asks_whether_the_entry_is_the_message_grantee_s_and_rolls_back_another_grab_s() {
        Map<String, String> props = Map.of(Registry.PROP_ACTIVITY_ID, "42",
                Registry.PROP_COUPON_SN, "0000000000000000001", Registry.PROP_GRANTEE, "7:2");
        // The ledger holds this coupon_sn as user 8's first coupon: the same coupon_sn was made twice.
        LedgerCheckBack checker = new LedgerCheckBack((a, sn, grantee) -> "8:1".equals(grantee));
        assertThat(checker.check(props::get)).isEqualTo(LocalTransactionState.ROLLBACK_MESSAGE);
        assertThat(new LedgerCheckBack((a, sn, grantee) -> "7:2".equals(grantee)).check(props::get))
                .isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
    }
}
