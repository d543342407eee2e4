package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.wallet.WalletExpiry;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.EventType;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.topology.example.CouponEventsTail;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The payment Saga against the real DTM server: [coupon lock -> payment -> coupon use], DTM calling
 * the service's HTTP branches and a payment stub the test runs. Lifecycle events are read from
 * coupon-events on the embedded broker. Every Saga gives DTM its own credential (HMAC of its gid
 * keyed by the service's saga.branch-token) as branch headers; calls without it are refused.
 */
class SagaIT {
    private static final AtomicLong USERS = new AtomicLong(7_000_000 + (System.currentTimeMillis() % 100_000) * 10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
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

    @Test
    void a_branch_call_without_dtms_credential_is_refused_and_changes_nothing() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        String gid = Dtm.newGid();
        String body = payload(user, coupon, "order-" + gid);
        String dtmQuery = "?gid=" + gid + "&trans_type=saga&branch_id=01&op=";
        // HTTP, called as DTM calls it: no token, the admin API's operate token, a wrong token, the bare
        // secret, another Saga's credential
        String otherSaga = ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid + "-other");
        for (String authorization : new String[] {null, "Bearer " + ServiceHarness.OPERATE_TOKEN,
                "Bearer it-not-the-branch-token-0123456789", "Bearer " + ServiceHarness.SAGA_BRANCH_TOKEN,
                otherSaga}) {
            for (String call : new String[] {"lock" + dtmQuery + "action", "revert" + dtmQuery + "compensate"}) {
                HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(branch(call)))
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
                if (authorization != null) {
                    r.header("Authorization", authorization);
                }
                HttpResponse<String> reply = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(reply.statusCode()).as(call + " with " + authorization).isEqualTo(401);
                assertThat(reply.body()).contains("\"error\":\"unauthenticated\"").contains("saga.branch-token");
            }
        }
        // gRPC on the shoppers' port: no credential, the operate token, the bare secret, another Saga's
        for (String authorization : new String[] {null, "Bearer " + ServiceHarness.OPERATE_TOKEN,
                "Bearer " + ServiceHarness.SAGA_BRANCH_TOKEN, otherSaga}) {
            assertThatThrownBy(() -> grpc(gid, "action", authorization).lockUserCoupon(lock(user, coupon, "order-" + gid)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> grpc(gid, "compensate", authorization).revertUsedCoupon(
                    io.flashcoupon.proto.v1.RevertCouponRequest.newBuilder().setUserId(user).setCouponId(coupon)
                            .setOrderSn("order-" + gid).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        }
        // Through the real DTM: a Saga submitted without the branch header. Its lock is refused each time
        // (DTM retries a 401) until DTM gives up after one retry and rolls back: failed, nothing locked.
        String gid2 = Dtm.newGid();
        Dtm.submitSaga(gid2, List.of(
                new Dtm.Step(branch("lock"), payment.url("/refund"), payload(user, coupon, "order-" + gid2)),
                new Dtm.Step(payment.url("/pay"), payment.url("/refund"), "{}")), null, 1);
        assertThat(Dtm.awaitFinal(gid2)).isEqualTo("failed");
        assertThat(payment.calls("/pay", gid2)).as("the Saga never got past the refused lock").isZero();

        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).isEqualTo(1);
        assertThat(row.orderSn()).isNull();
        assertThat(w.holder(coupon)).isEqualTo("null/null");
        assertThat(w.barrier(gid)).isEmpty();
        assertThat(w.barrier(gid2)).isEmpty();
        assertThat(w.outboxTags(coupon)).isEmpty();
        assertThat(w.usageLogs(coupon)).isEmpty();
    }

    @Test
    void a_stale_sagas_compensation_leaves_the_newer_sagas_lock_of_the_same_order_in_place() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        String order = "order-stale-" + user;
        String body = payload(user, coupon, order);
        // Saga A locks the coupon, then waits for a payment that takes long
        String gidA = Dtm.newGid();
        Dtm.submitSaga(gidA, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), body),
                new Dtm.Step(payment.url("/pay-later"), payment.url("/refund"), "{}")));
        await().atMost(Duration.ofSeconds(30)).until(() -> w.holder(coupon).equals(gidA + "/01"));
        // A's lock outlives its deadline: the lock-expiry job releases it
        new WalletExpiry(h.service.dataSource()).releaseExpiredLocks(
                Instant.now().plusMillis(ServiceHarness.LOCK_TTL_MS).plusSeconds(2), 500);
        assertThat(w.row(coupon).status()).isEqualTo(1);
        // Saga B locks the same coupon for the same order
        String gidB = Dtm.newGid();
        Dtm.submitSaga(gidB, List.of(new Dtm.Step(branch("lock"), branch("unlock"), body)));
        assertThat(Dtm.awaitFinal(gidB)).isEqualTo("succeed");
        assertThat(w.holder(coupon)).isEqualTo(gidB + "/01");
        // A's payment fails at last: DTM rolls A back, and A's unlock finds B's lock, not its own
        payment.failLaterPayments();
        assertThat(Dtm.awaitFinal(gidA)).isEqualTo("failed");

        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).as("still locked, by B").isEqualTo(2);
        assertThat(row.orderSn()).isEqualTo(order);
        assertThat(row.lockDeadline()).isNotNull();
        assertThat(w.holder(coupon)).isEqualTo(gidB + "/01");
        assertThat(w.barrier(gidA)).contains("01/compensate/compensate");
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUnlocked", "CouponLocked");
        assertThat(payment.calls("/refund", gidA)).isEqualTo(1);
    }

    @Test
    void a_compensation_with_a_malformed_body_ends_the_saga_instead_of_being_retried_for_ever() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        // A lock whose payload cannot be read: refused (FAILURE), so DTM calls its compensation with the
        // same payload; that compensation answers SUCCESS (UNREADABLE), and the Saga ends.
        String gid = Dtm.newGid();
        Dtm.submitSaga(gid, List.of(new Dtm.Step(branch("lock"), branch("unlock"),
                "{\"user_id\":" + user + ",\"coupon_id\":\"not-a-number\",\"order_sn\":\"o-" + gid + "\"}")));
        assertThat(Dtm.awaitFinal(gid)).isEqualTo("failed");
        assertThat(w.barrier(gid)).as("a null compensation: the refused lock left no row, the late one is barred")
                .containsExactlyInAnyOrder("01/action/compensate", "01/compensate/compensate");

        // A good lock, then a use whose payload cannot be read: the revert is UNREADABLE, the unlock undoes the lock.
        String gid2 = Dtm.newGid();
        String bad = "{\"user_id\":" + user + ",\"coupon_id\":" + coupon + ",\"order_sn\":\"order-" + gid2
                + "\",\"items\":\"not-a-list\"}";
        Dtm.submitSaga(gid2, List.of(
                new Dtm.Step(branch("lock"), branch("unlock"), payload(user, coupon, "order-" + gid2)),
                new Dtm.Step(branch("use"), branch("revert"), bad)));
        assertThat(Dtm.awaitFinal(gid2)).isEqualTo("failed");
        assertThat(w.row(coupon).status()).isEqualTo(1);
        assertThat(w.holder(coupon)).isEqualTo("null/null");
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUnlocked");

        // gRPC mode: a lock request with no user is ABORTED, its compensation OK (UNREADABLE)
        String svc = "127.0.0.1:" + h.service.grpcPort() + "/coupon.v1.Coupon/";
        String gid3 = Dtm.newGid();
        Dtm.submitGrpcSaga(gid3, List.<String[]>of(new String[] {svc + "LockUserCoupon", svc + "UnlockUserCoupon"}),
                List.of(lock(0, coupon, "order-" + gid3).toByteArray()));
        assertThat(Dtm.awaitFinal(gid3)).isEqualTo("failed");
        assertThat(w.barrier(gid3)).containsExactlyInAnyOrder("01/action/compensate", "01/compensate/compensate");
        assertThat(w.row(coupon).status()).isEqualTo(1);
    }

    /** A stub calling the gRPC branches as DTM does, with {@code authorization} (none when null). */
    private static io.flashcoupon.proto.v1.CouponGrpc.CouponBlockingStub grpc(String gid, String op,
            String authorization) {
        io.grpc.Metadata m = new io.grpc.Metadata();
        m.put(io.grpc.Metadata.Key.of("dtm-gid", io.grpc.Metadata.ASCII_STRING_MARSHALLER), gid);
        m.put(io.grpc.Metadata.Key.of("dtm-trans_type", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "saga");
        m.put(io.grpc.Metadata.Key.of("dtm-branch_id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "01");
        m.put(io.grpc.Metadata.Key.of("dtm-op", io.grpc.Metadata.ASCII_STRING_MARSHALLER), op);
        if (authorization != null) {
            m.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), authorization);
        }
        return h.blocking.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(m))
                .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static io.flashcoupon.proto.v1.LockCouponRequest lock(long user, long coupon, String order) {
        return io.flashcoupon.proto.v1.LockCouponRequest.newBuilder().setUserId(user).setCouponId(coupon)
                .setOrderSn(order).build();
    }
}
