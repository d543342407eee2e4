package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.proto.v1.AvailableCouponsResponse;
import io.flashcoupon.proto.v1.CalculateDiscountRequest;
import io.flashcoupon.proto.v1.CouponAvailability;
import io.flashcoupon.proto.v1.DiscountResponse;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GetTemplateRequest;
import io.flashcoupon.proto.v1.GetUserCouponsRequest;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.proto.v1.LockCouponRequest;
import io.flashcoupon.proto.v1.OrderCouponsRequest;
import io.flashcoupon.proto.v1.OrderItem;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Terms frozen at grant, against the real service and the real DTM server: a coupon won in a sale
 * keeps the template version the sale started with, and availability, CalculateDiscount and the
 * Saga's use price it with that version after the template was edited; a lock that carries the order
 * refuses a coupon that does not apply before any payment; a use whose expected discount differs is
 * refused and changes nothing.
 */
class GrantedTermsIT {
    private static final AtomicLong USERS = new AtomicLong(8_000_000 + (System.currentTimeMillis() % 100_000) * 10);
    private static ServiceHarness h;
    private static WalletFixture w;
    private static UserCouponRepository coupons;
    private static PaymentStub payment;

    @BeforeAll
    static void start() throws Exception {
        h = ServiceHarness.get();
        w = new WalletFixture(h);
        coupons = new UserCouponRepository(h.service.dataSource());
        payment = new PaymentStub();
    }

    @AfterAll
    static void stop() {
        payment.close();
    }

    private static io.flashcoupon.proto.v1.CouponGrpc.CouponBlockingStub rpc() {
        return h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static String branch(String name) {
        return "http://127.0.0.1:" + h.service.httpPort() + "/api/v1/dtm/" + name;
    }

    /** A stub calling the gRPC branches as DTM does, with its metadata and the Saga's credential. */
    private static io.flashcoupon.proto.v1.CouponGrpc.CouponBlockingStub dtmStub(String gid, String branchId,
            String op) {
        io.grpc.Metadata m = new io.grpc.Metadata();
        m.put(io.grpc.Metadata.Key.of("dtm-gid", io.grpc.Metadata.ASCII_STRING_MARSHALLER), gid);
        m.put(io.grpc.Metadata.Key.of("dtm-trans_type", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "saga");
        m.put(io.grpc.Metadata.Key.of("dtm-branch_id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), branchId);
        m.put(io.grpc.Metadata.Key.of("dtm-op", io.grpc.Metadata.ASCII_STRING_MARSHALLER), op);
        m.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid));
        return rpc().withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(m));
    }

    /** FULL_CUT {@code cents} off once the eligible subtotal reaches {@code threshold}. */
    private static Template fullCut(long cents, long threshold) {
        return new Template(0, "IT terms " + cents + " off " + threshold, CouponType.FULL_CUT, cents, 0, threshold,
                null, 1000, 2, null, null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null);
    }

    /** A started sale of {@code templateId}, open now, two coupons per user. */
    private static Activity sale(long templateId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity a = h.activities.insert(new Activity(0, templateId, "IT terms sale", 100, now.minusSeconds(60),
                now.plusSeconds(3600), 2, ActivityStatus.PENDING));
        h.operator.withDeadlineAfter(10, TimeUnit.SECONDS).startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(a.id()).build());
        return a;
    }

    /** Grabs one coupon of {@code sale} for {@code user} and waits for its row. */
    private static UserCoupon grab(Activity sale, long user) {
        FlashSaleResponse r = rpc().flashSaleCoupon(FlashSaleRequest.newBuilder().setActivityId(sale.id())
                .setUserId(user).build());
        assertThat(r.getCode()).isEqualTo(GrabCode.GRANTED);
        return await().atMost(Duration.ofSeconds(30)).until(() -> coupons.wallet(user, 10).stream()
                .filter(c -> c.couponSn().equals(r.getCouponSn())).findFirst().orElse(null), c -> c != null);
    }

    /** The order SagaIT pays: goods 2 x 1500 + 999 (3999), shipping 800. */
    private static List<OrderItem> items() {
        return List.of(
                OrderItem.newBuilder().setGoodsId(1).setCategoryId(10).setQuantity(2).setUnitPriceCents(1500).build(),
                OrderItem.newBuilder().setGoodsId(2).setCategoryId(20).setQuantity(1).setUnitPriceCents(999).build());
    }

    private static String payload(long user, long coupon, String order, Long expected) {
        String body = SagaIT.payload(user, coupon, order);
        return expected == null ? body : body.substring(0, body.length() - 1) + ",\"expected_discount_cents\":"
                + expected + "}";
    }

    @Test
    void a_coupon_whose_template_was_edited_after_the_grant_is_priced_with_its_granted_terms() throws Exception {
        Template t = h.templates.insert(fullCut(500, 2000));
        Activity sale = sale(t.id());
        long user = USERS.incrementAndGet();
        UserCoupon before = grab(sale, user);
        assertThat(before.templateVersion()).isEqualTo(1);

        // The edit: 900 off from 10000 - this order (3999 of goods) would not reach it
        h.templates.update(t.id(), fullCut(900, 10_000));
        // reads of the template show the current version, as before
        assertThat(rpc().getCouponTemplate(GetTemplateRequest.newBuilder().setId(t.id()).build()).getTemplate()
                .getDiscountAmountCents()).isEqualTo(900);
        // a coupon won in the same sale after the edit: the sale sells the version it started with
        UserCoupon after = grab(sale, user);
        assertThat(after.templateVersion()).isEqualTo(1);
        // a sale started after the edit sells the new version
        UserCoupon newSale = grab(sale(t.id()), user);
        assertThat(newSale.templateVersion()).isEqualTo(2);
        assertThat(rpc().getUserCoupons(GetUserCouponsRequest.newBuilder().setUserId(user).build()).getCouponsList())
                .filteredOn(c -> c.getId() == before.id()).singleElement()
                .satisfies(c -> assertThat(c.getTemplateVersion()).isEqualTo(1));

        // availability: the granted coupons save 500 each, the new sale's does not reach its threshold
        AvailableCouponsResponse available = rpc().getAvailableCouponsForOrder(OrderCouponsRequest.newBuilder()
                .setUserId(user).addAllItems(items()).setShippingFeeCents(800).build());
        assertThat(available.getCouponsList()).filteredOn(a -> a.getCoupon().getId() == before.id())
                .singleElement().satisfies(a -> {
                    assertThat(a.getUsable()).isTrue();
                    assertThat(a.getDiscountCents()).isEqualTo(500);
                });
        assertThat(available.getCouponsList()).filteredOn(a -> a.getCoupon().getId() == after.id())
                .extracting(CouponAvailability::getDiscountCents).containsExactly(500L);
        assertThat(available.getCouponsList()).filteredOn(a -> a.getCoupon().getId() == newSale.id())
                .singleElement().satisfies(a -> {
                    assertThat(a.getUsable()).isFalse();
                    assertThat(a.getReason()).contains("threshold 10000");
                });

        // CalculateDiscount: 500, not the edited 900
        DiscountResponse quote = rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(before.id()).addAllItems(items()).setShippingFeeCents(800).build());
        assertThat(quote.getDiscountCents()).isEqualTo(500);
        assertThat(quote.getCouponDiscounts(0).getDiscountCents()).isEqualTo(500);

        // the Saga through DTM: lock with the order, pay, use expecting the quoted 500
        String gid = Dtm.newGid();
        String order = "order-" + gid;
        Dtm.submitSaga(gid, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), SagaIT.payload(user, before.id(), order)),
                new Dtm.Step(payment.url("/pay"), payment.url("/refund"), "{}"),
                new Dtm.Step(branch("use"), branch("revert"),
                        payload(user, before.id(), order, quote.getCouponDiscounts(0).getDiscountCents()))));
        assertThat(Dtm.awaitFinal(gid)).isEqualTo("succeed");
        assertThat(w.row(before.id()).status()).isEqualTo(3);
        assertThat(w.usageLogs(before.id())).singleElement().satisfies(l -> {
            assertThat(l.discount()).isEqualTo(500);
            assertThat(l.original()).isEqualTo(4799);
            assertThat(l.fin()).isEqualTo(4299);
        });
    }

    @Test
    void a_lock_with_an_order_the_coupon_does_not_apply_to_is_refused_before_payment() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, w.fullCut().id()); // 500 off from 2000
        String small = "{\"user_id\":" + user + ",\"coupon_id\":" + coupon + ",\"order_sn\":\"%s\",\"items\":"
                + "[{\"goods_id\":1,\"category_id\":10,\"quantity\":1,\"unit_price_cents\":1500}],"
                + "\"shipping_fee_cents\":800}";

        // called as DTM calls it: 409 with the reason, nothing changed
        SagaBranchesIT.Reply refused = SagaBranchesIT.call("lock", "g-terms-" + user, "01", "action",
                small.formatted("order-direct-" + user));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body()).contains("\"error\":\"does_not_apply\"")
                .contains("threshold 2000 not reached by 500 cents");
        assertThat(w.row(coupon).status()).isEqualTo(1);
        assertThat(w.barrier("g-terms-" + user)).isEmpty();

        // through DTM: the lock fails, so the payment never runs and there is nothing to refund
        String gid = Dtm.newGid();
        String body = small.formatted("order-" + gid);
        Dtm.submitSaga(gid, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), body),
                new Dtm.Step(payment.url("/pay"), payment.url("/refund"), "{}"),
                new Dtm.Step(branch("use"), branch("revert"), body)));
        assertThat(Dtm.awaitFinal(gid)).isEqualTo("failed");
        assertThat(payment.calls("/pay", gid)).isZero();
        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).isEqualTo(1);
        assertThat(row.orderSn()).isNull();
        assertThat(w.outboxTags(coupon)).isEmpty();
        assertThat(w.usageLogs(coupon)).isEmpty();

        // gRPC: the same refusal as ABORTED; a lock of the order it applies to carries its discount
        assertThatThrownBy(() -> dtmStub("g-terms-grpc-" + user, "01", "action").lockUserCoupon(
                LockCouponRequest.newBuilder().setUserId(user).setCouponId(coupon).setOrderSn("o-grpc-" + user)
                        .addItems(items().get(1)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
                    assertThat(e.getStatus().getDescription()).startsWith("does_not_apply")
                            .contains("threshold 2000 not reached by 1001 cents");
                });
        assertThat(w.row(coupon).status()).isEqualTo(1);
        var locked = dtmStub("g-terms-grpc2-" + user, "01", "action").lockUserCoupon(
                LockCouponRequest.newBuilder().setUserId(user).setCouponId(coupon).setOrderSn("o-grpc2-" + user)
                        .addAllItems(items()).setShippingFeeCents(800).build());
        assertThat(locked.getEffect()).isEqualTo("APPLIED");
        assertThat(locked.getDiscount().getDiscountCents()).isEqualTo(500);
        assertThat(w.row(coupon).status()).isEqualTo(2);
    }

    @Test
    void a_use_expecting_another_discount_is_refused_and_changes_nothing() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, w.fullCut().id()); // saves 500 on this order
        String gid = Dtm.newGid();
        String order = "order-" + gid;
        Dtm.submitSaga(gid, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), SagaIT.payload(user, coupon, order)),
                new Dtm.Step(payment.url("/pay"), payment.url("/refund"), "{}"),
                new Dtm.Step(branch("use"), branch("revert"), payload(user, coupon, order, 900L))));
        assertThat(Dtm.awaitFinal(gid)).isEqualTo("failed");
        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).as("the lock's compensation made it UNUSED again").isEqualTo(1);
        assertThat(w.usageLogs(coupon)).isEmpty();
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUnlocked");
        assertThat(payment.calls("/refund", gid)).isEqualTo(1);

        // called directly with a lock held: 409 discount_mismatch, the coupon still LOCKED, no log
        String gid2 = "g-terms-use-" + user;
        String order2 = "order-" + gid2;
        assertThat(SagaBranchesIT.call("lock", gid2, "01", "action", SagaIT.payload(user, coupon, order2)).status())
                .isEqualTo(200);
        SagaBranchesIT.Reply mismatch = SagaBranchesIT.call("use", gid2, "02", "action",
                payload(user, coupon, order2, 499L));
        assertThat(mismatch.status()).isEqualTo(409);
        assertThat(mismatch.body()).contains("\"error\":\"discount_mismatch\"").contains("takes 500 cents")
                .contains("not the expected 499");
        assertThat(w.row(coupon).status()).isEqualTo(2);
        assertThat(w.usageLogs(coupon)).isEmpty();
        assertThat(w.barrier(gid2)).containsExactly("01/action/action");
        // the right figure is accepted
        SagaBranchesIT.Reply ok = SagaBranchesIT.call("use", gid2, "03", "action", payload(user, coupon, order2, 500L));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(w.usageLogs(coupon)).singleElement().satisfies(l -> assertThat(l.discount()).isEqualTo(500));
    }
}
