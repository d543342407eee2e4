package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.sale.GrabCandidate;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.core.sale.ledger.LedgerCheckBack;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.EventType;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

/**
 * The check-back against the real broker: half messages left open (local transaction UNKNOW) - a
 * re-published grant's, or one a process older than the group commit left - are resolved by the
 * production checker from the Redis ledger.
 */
class TransactionCheckIT {

    @Test
    void open_half_messages_are_committed_when_in_the_ledger_and_rolled_back_when_absent() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 1);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3));
        UserCouponRepository rows = new UserCouponRepository(h.service.dataSource());
        var redis = h.service.redis().connection().sync();

        TransactionMQProducer producer = new TransactionMQProducer("it-open-half-producer");
        producer.setNamesrvAddr(h.service.namesrvAddr());
        producer.setInstanceName("it-open-half");
        producer.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                ((Runnable) arg).run();
                return LocalTransactionState.UNKNOW;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                return new LedgerCheckBack(store::resolve).check(msg::getUserProperty);
            }
        });
        producer.start();
        try {
            // coupon_sn unique to this sale: the table keeps the rows of earlier runs on this database,
            // and a fixed sn met there is a conflicting row, never this grant's.
            String absent = testSn(sale, 1);
            String present = testSn(sale, 2);
            producer.sendMessageInTransaction(grabbed(sale, absent, 501), (Runnable) () -> { });
            producer.sendMessageInTransaction(grabbed(sale, present, 502), (Runnable) () -> {
                assertThat(store.grabSync(sale.id(), sale.templateId(),
                        new GrabCandidate(502, present, System.currentTimeMillis(), null)).code()).isEqualTo(GrabCode.GRANTED);
                // As if its batch's events had been sent: only the check-back can make its row now.
                redis.hdel(Registry.publicationsKey(sale.id()), "b" + present);
            });
            System.out.println("injected: two half messages left open; one grab in the ledger, one absent");

            await("check-back commits the grab in the ledger").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> rows.ownersByActivity(sale.id()).containsKey(present));
            await("check-back rolls back and voids the absent grab").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> redis.hexists(Registry.voidKey(sale.id()), absent));

            // A later, normally committed grab is materialized; the rolled-back one never is.
            FlashSaleResponse later = h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(
                    FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(503).build());
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> rows.ownersByActivity(sale.id()).containsKey(later.getCouponSn()));
            Map<String, Long> owners = rows.ownersByActivity(sale.id());
            System.out.println("found: rows " + owners + ", voided " + redis.hkeys(Registry.voidKey(sale.id())));
            assertThat(owners).containsOnlyKeys(present, later.getCouponSn());
            SaleInvariants.check(h, sale.id(), 10, 1, Duration.ofSeconds(30));
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void a_redis_error_answers_unknown_not_rollback() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(1, 1);
        RedisConnector broken = new RedisConnector(
                new ServiceConfig.Redis("127.0.0.1", ServiceHarness.REDIS_PORT, "", ServiceHarness.REDIS_DB, 500));
        SaleStore store = new SaleStore(broken.connection(), Duration.ofMillis(500));
        broken.close();
        Map<String, String> props = Map.of(Registry.PROP_ACTIVITY_ID, Long.toString(sale.id()),
                Registry.PROP_COUPON_SN, "9000000000000000003");
        assertThat(new LedgerCheckBack(store::resolve).check(props::get)).isEqualTo(LocalTransactionState.UNKNOW);
        assertThat(h.service.redis().connection().sync().hexists(Registry.voidKey(sale.id()), "9000000000000000003"))
                .as("nothing voided on error").isFalse();
    }

    /** A coupon_sn no grab makes (they start with the time): 9, then the activity id and {@code k}. */
    private static String testSn(Activity sale, int k) {
        return String.format("9%017d%d", sale.id(), k);
    }

    private static Message grabbed(Activity sale, String sn, long user) {
        CouponEvent event = CouponEvent.newBuilder().setEventId("grab-" + sn).setType(EventType.COUPON_GRABBED)
                .setOccurredAtMs(System.currentTimeMillis())
                .setGrabbed(CouponGrabbed.newBuilder().setCouponSn(sn).setActivityId(sale.id())
                        .setTemplateId(sale.templateId()).setUserId(user).setSeq(1)
                        .setGrantedAtMs(System.currentTimeMillis()))
                .build();
        Message m = new Message(Registry.TOPIC_COUPON_EVENTS, Registry.TAG_COUPON_GRABBED, sn, event.toByteArray());
        m.putUserProperty(Registry.PROP_ACTIVITY_ID, Long.toString(sale.id()));
        m.putUserProperty(Registry.PROP_COUPON_SN, sn);
        return m;
    }
}
