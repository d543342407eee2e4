package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.template.Template;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.EventType;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.topology.example.CouponEventsTail;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The payment Saga against the real DTM server: [coupon lock -> payment -> coupon use], DTM calling
 * the service's HTTP branches and a payment stub the test runs. Lifecycle events are read from
 * coupon-events on the embedded broker.
 */
class SagaIT {
    private static final AtomicLong USERS = new AtomicLong(7_000_000 + (System.currentTimeMillis() % 100_000) * 10);
    private static ServiceHarness h;
    private static WalletFixture w;
    private static Template template;
    private static PaymentStub payment;
    private static CouponEventsTail tail;
    private static Thread tailThread;
    private static final List<CouponEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        h = ServiceHarness.get();
        w = new WalletFixture(h);
        template = w.fullCut();
        payment = new PaymentStub();
        tail = new CouponEventsTail(h.service.namesrvAddr(), "it-saga-events", events::add);
        tailThread = new Thread(tail::run, "saga-events-tail");
        tailThread.start();
    }

    @AfterAll
    static void stop() throws Exception {
        tail.close();
        tailThread.join(10_000);
        payment.close();
    }

    static String branch(String name) {
        return "http://127.0.0.1:" + h.service.httpPort() + "/api/v1/dtm/" + name;
    }

    /** lines: 2 x 1500 (goods 1, category 10) + 1 x 999 (goods 2, category 20); shipping 800. */
    static String payload(long user, long coupon, String order) {
        return payload(user, coupon, order, List.of());
    }

    /** The same order paid with {@code orderCouponIds} (the field left out when empty). */
    static String payload(long user, long coupon, String order, List<Long> orderCouponIds) {
        return "{\"user_id\":" + user + ",\"coupon_id\":" + coupon + ",\"order_sn\":\"" + order + "\",\"items\":["
                + "{\"goods_id\":1,\"category_id\":10,\"quantity\":2,\"unit_price_cents\":1500},"
                + "{\"goods_id\":2,\"category_id\":20,\"quantity\":1,\"unit_price_cents\":999}],"
                + (orderCouponIds.isEmpty() ? "" : "\"order_coupon_ids\":" + orderCouponIds + ",")
                + "\"shipping_fee_cents\":800}";
    }

    private static List<EventType> eventTypes(long couponId) {
        return events.stream().filter(e -> e.hasChanged() && e.getChanged().getUserCouponId() == couponId)
                .sorted(java.util.Comparator.comparingLong(CouponEvent::getOccurredAtMs))
                .map(CouponEvent::getType).toList();
    }

    @Test
    void saga_lock_pay_use_succeeds_and_the_coupon_is_used_with_its_usage_log_and_events() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        String gid = Dtm.newGid();
        String order = "order-" + gid;
        String body = payload(user, coupon, order);
        Dtm.submitSaga(gid, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), body),
                new Dtm.Step(payment.url("/pay"), payment.url("/refund"), "{}"),
                new Dtm.Step(branch("use"), branch("revert"), body)));

        assertThat(Dtm.awaitFinal(gid)).isEqualTo("succeed");
        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).isEqualTo(3);
        assertThat(row.orderSn()).isEqualTo(order);
        assertThat(row.usedTime()).isNotNull();
        assertThat(row.lockDeadline()).isNull();
        List<WalletFixture.UsageLog> logs = w.usageLogs(coupon);
        assertThat(logs).hasSize(1);
        WalletFixture.UsageLog log = logs.get(0);
        // goods 3000 + 999 = 3999, shipping 800: original 4799; 500 off; final 4299
        assertThat(log.original()).isEqualTo(4799);
        assertThat(log.discount()).isEqualTo(500);
        assertThat(log.fin()).isEqualTo(4299);
        assertThat(log.reverted()).isFalse();
        assertThat(log.gid()).isEqualTo(gid);
        assertThat(log.orderSn()).isEqualTo(order);
        // 500 over lines of 3000 and 999, exact to the cent
        assertThat(log.allocation()).isEqualTo("[{\"line_index\":0,\"discount_cents\":375},"
                + "{\"line_index\":1,\"discount_cents\":125}]");
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUsed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(eventTypes(coupon)).containsExactly(EventType.COUPON_LOCKED, EventType.COUPON_USED));
        CouponEvent used = events.stream().filter(e -> e.getType() == EventType.COUPON_USED
                && e.getChanged().getUserCouponId() == coupon).findFirst().orElseThrow();
        assertThat(used.getChanged().getGid()).isEqualTo(gid);
        assertThat(used.getChanged().getDiscountCents()).isEqualTo(500);
        assertThat(used.getChanged().getFromStatus()).isEqualTo(2);
        assertThat(used.getChanged().getToStatus()).isEqualTo(3);
        assertThat(payment.calls("/pay", gid)).isEqualTo(1);
        assertThat(payment.calls("/refund", gid)).isZero();
    }

    @Test
    void saga_with_failing_payment_unlocks_the_coupon_and_leaves_no_usage_log() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        String gid = Dtm.newGid();
        String body = payload(user, coupon, "order-" + gid);
        Dtm.submitSaga(gid, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), body),
                new Dtm.Step(payment.url("/pay-fail"), payment.url("/refund"), "{}"),
                new Dtm.Step(branch("use"), branch("revert"), body)));

        assertThat(Dtm.awaitFinal(gid)).isEqualTo("failed");
        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).isEqualTo(1);
        assertThat(row.orderSn()).isNull();
        assertThat(row.lockDeadline()).isNull();
        assertThat(w.usageLogs(coupon)).isEmpty();
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUnlocked");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(eventTypes(coupon)).containsExactly(EventType.COUPON_LOCKED, EventType.COUPON_UNLOCKED));
        CouponEvent unlocked = events.stream().filter(e -> e.getType() == EventType.COUPON_UNLOCKED
                && e.getChanged().getUserCouponId() == coupon).findFirst().orElseThrow();
        assertThat(unlocked.getChanged().getReason()).isEqualTo("saga compensation");
        assertThat(payment.calls("/pay-fail", gid)).isEqualTo(1);
    }

    @Test
    void saga_failing_after_use_reverts_the_use_and_keeps_the_log_marked_reverted() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        String gid = Dtm.newGid();
        String body = payload(user, coupon, "order-" + gid);
        Dtm.submitSaga(gid, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), body),
                new Dtm.Step(branch("use"), branch("revert"), body),
                new Dtm.Step(payment.url("/pay-fail"), payment.url("/refund"), "{}")));

        assertThat(Dtm.awaitFinal(gid)).isEqualTo("failed");
        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).isEqualTo(1);
        assertThat(row.orderSn()).isNull();
        assertThat(row.usedTime()).isNull();
        List<WalletFixture.UsageLog> logs = w.usageLogs(coupon);
        assertThat(logs).hasSize(1);
        assertThat(logs.get(0).reverted()).isTrue();
        assertThat(logs.get(0).discount()).isEqualTo(500);
        // revert restores UNUSED, so the lock's compensation finds nothing left to undo
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUsed", "CouponReverted");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(eventTypes(coupon))
                .containsExactly(EventType.COUPON_LOCKED, EventType.COUPON_USED, EventType.COUPON_REVERTED));
    }

    @Test
    void saga_with_grpc_branches_succeeds_and_with_failing_payment_rolls_back() throws Exception {
        long user = USERS.incrementAndGet();
        long ok = w.coupon(user, template.id());
        long rolledBack = w.coupon(user, template.id());
        String svc = "127.0.0.1:" + h.service.grpcPort() + "/coupon.v1.Coupon/";

        String gid = Dtm.newGid();
        Dtm.submitGrpcSaga(gid, List.of(
                new String[] {svc + "LockUserCoupon", svc + "UnlockUserCoupon"},
                new String[] {payment.url("/pay"), payment.url("/refund")},
                new String[] {svc + "UseLockedCoupon", svc + "RevertUsedCoupon"}), List.of(
                lock(user, ok, "order-" + gid).toByteArray(),
                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                SagaBranchesIT.use(user, ok, "order-" + gid).toByteArray()));
        assertThat(Dtm.awaitFinal(gid)).isEqualTo("succeed");
        assertThat(w.row(ok).status()).isEqualTo(3);
        assertThat(w.usageLogs(ok)).singleElement().satisfies(l -> assertThat(l.discount()).isEqualTo(500));

        String gid2 = Dtm.newGid();
        Dtm.submitGrpcSaga(gid2, List.of(
                new String[] {svc + "LockUserCoupon", svc + "UnlockUserCoupon"},
                new String[] {svc + "UseLockedCoupon", svc + "RevertUsedCoupon"},
                new String[] {payment.url("/pay-fail"), payment.url("/refund")}), List.of(
                lock(user, rolledBack, "order-" + gid2).toByteArray(),
                SagaBranchesIT.use(user, rolledBack, "order-" + gid2).toByteArray(),
                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(Dtm.awaitFinal(gid2)).isEqualTo("failed");
        assertThat(w.row(rolledBack).status()).isEqualTo(1);
        assertThat(w.usageLogs(rolledBack)).singleElement().satisfies(l -> assertThat(l.reverted()).isTrue());
        assertThat(w.outboxTags(rolledBack)).containsExactly("CouponLocked", "CouponUsed", "CouponReverted");
    }

    private static io.flashcoupon.proto.v1.LockCouponRequest lock(long user, long coupon, String order) {
        return io.flashcoupon.proto.v1.LockCouponRequest.newBuilder().setUserId(user).setCouponId(coupon)
                .setOrderSn(order).build();
    }
}
