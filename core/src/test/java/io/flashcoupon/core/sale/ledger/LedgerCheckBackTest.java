package io.flashcoupon.core.sale.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.sale.SaleStoreException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.junit.jupiter.api.Test;

class LedgerCheckBackTest {
    private static final Map<String, String> PROPS = Map.of(
            Registry.PROP_ACTIVITY_ID, "42", Registry.PROP_COUPON_SN, "0000000000000000001");

    @Test
    void grab_in_the_ledger_commits() {
        assertThat(new LedgerCheckBack((a, sn) -> true).check(PROPS::get)).isEqualTo(LocalTransactionState.COMMIT_MESSAGE);
    }

    @Test
    void grab_absent_from_the_ledger_rolls_back() {
        assertThat(new LedgerCheckBack((a, sn) -> false).check(PROPS::get))
                .isEqualTo(LocalTransactionState.ROLLBACK_MESSAGE);
    }

    @Test
    void a_redis_error_answers_unknown_never_rollback() {
        LedgerCheckBack checker = new LedgerCheckBack((a, sn) -> {
            throw new SaleStoreException("Redis did not answer within 3000 ms", null);
        });
        assertThat(checker.check(PROPS::get)).isEqualTo(LocalTransactionState.UNKNOW);
    }

    @Test
    void a_message_without_its_properties_answers_unknown_without_asking_redis() {
        AtomicInteger asked = new AtomicInteger();
        LedgerCheckBack checker = new LedgerCheckBack((a, sn) -> {
            asked.incrementAndGet();
            return false;
        });
        assertThat(checker.check(name -> null)).isEqualTo(LocalTransactionState.UNKNOW);
        assertThat(asked).hasValue(0);
    }

    @Test
    void the_checker_asks_for_the_message_activity_and_serial() {
        long[] seenActivity = new long[1];
        String[] seenSn = new String[1];
        new LedgerCheckBack((a, sn) -> {
            seenActivity[0] = a;
            seenSn[0] = sn;
            return true;
        }).check(PROPS::get);
        assertThat(seenActivity[0]).isEqualTo(42L);
        assertThat(seenSn[0]).isEqualTo("0000000000000000001");
    }
}
