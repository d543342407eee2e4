package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.wallet.WalletExpiry;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.proto.v1.BranchResponse;
import io.flashcoupon.proto.v1.CalculateDiscountRequest;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.DiscountResponse;
import io.flashcoupon.proto.v1.LockCouponRequest;
import io.flashcoupon.proto.v1.OrderItem;
import io.flashcoupon.proto.v1.RevertCouponRequest;
import io.flashcoupon.proto.v1.UnlockCouponRequest;
import io.flashcoupon.proto.v1.UseCouponRequest;
import io.flashcoupon.proto.v1.UseCouponResponse;
import io.flashcoupon.proto.v1.UserCouponStatus;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Saga branches called the way DTM calls them (HTTP query parameters, gRPC metadata), in the
 * orders DTM can produce: repeated calls, a compensation before its action, concurrent locks,
 * refusals; and the expiry jobs. Every refusal is checked to change nothing.
 */
class SagaBranchesIT {
    private static final AtomicLong USERS = new AtomicLong(8_000_000 + (System.currentTimeMillis() % 100_000) * 10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ServiceHarness h;
    private static WalletFixture w;
    private static Template template;

    @BeforeAll
    static void start() throws Exception {
        h = ServiceHarness.get();
        w = new WalletFixture(h);
        template = w.fullCut();
    }

    record Reply(int status, String body) {}

    static Reply call(String branch, String gid, String branchId, String op, String body) throws Exception {
        String url = "http://127.0.0.1:" + ServiceHarness.get().service.httpPort() + "/api/v1/dtm/" + branch
                + "?gid=" + gid + "&trans_type=saga&branch_id=" + branchId + "&op=" + op;
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("content-type", "application/json")
                .header("Authorization", ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    static CouponGrpc.CouponBlockingStub dtmStub(String gid, String branchId, String op) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("dtm-gid", Metadata.ASCII_STRING_MARSHALLER), gid);
        m.put(Metadata.Key.of("dtm-trans_type", Metadata.ASCII_STRING_MARSHALLER), "saga");
        m.put(Metadata.Key.of("dtm-branch_id", Metadata.ASCII_STRING_MARSHALLER), branchId);
        m.put(Metadata.Key.of("dtm-op", Metadata.ASCII_STRING_MARSHALLER), op);
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
                ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid));
        return h.blocking.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    static String gid() {
        return "it-" + UUID.randomUUID();
    }

    @Test
    void compensation_before_its_action_does_nothing_and_the_late_action_is_refused() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        String gid = gid();
        String body = SagaIT.payload(user, coupon, "order-" + gid);

        Reply unlock = call("unlock", gid, "01", "compensate", body);
        assertThat(unlock.status()).isEqualTo(200);
        assertThat(unlock.body()).contains("\"effect\":\"NULL_COMPENSATION\"").contains("SUCCESS");
        assertThat(w.row(coupon).status()).isEqualTo(1);

        Reply lateLock = call("lock", gid, "01", "action", body);
        assertThat(lateLock.status()).isEqualTo(409);
        assertThat(lateLock.body()).contains("FAILURE").contains("\"error\":\"late_action\"");
        assertThat(w.row(coupon).status()).isEqualTo(1);
        assertThat(w.row(coupon).orderSn()).isNull();
        assertThat(w.outboxTags(coupon)).isEmpty();
        assertThat(w.barrier(gid)).containsExactlyInAnyOrder("01/action/compensate", "01/compensate/compensate");

        // the same over gRPC for the use/revert pair
        String order = "order-" + gid;
        BranchResponse revert = dtmStub(gid, "03", "compensate").revertUsedCoupon(RevertCouponRequest.newBuilder()
                .setUserId(user).setCouponId(coupon).setOrderSn(order).build());
        assertThat(revert.getEffect()).isEqualTo("NULL_COMPENSATION");
        assertThatThrownBy(() -> dtmStub(gid, "03", "action").useLockedCoupon(use(user, coupon, order)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
                    assertThat(e.getStatus().getDescription()).startsWith("late_action");
                });
        assertThat(w.usageLogs(coupon)).isEmpty();
    }

    @Test
    void each_branch_called_twice_has_one_effect() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        String gid = gid();
        String order = "order-" + gid;
        LockCouponRequest lock = LockCouponRequest.newBuilder().setUserId(user).setCouponId(coupon).setOrderSn(order).build();

        assertThat(dtmStub(gid, "01", "action").lockUserCoupon(lock).getEffect()).isEqualTo("APPLIED");
        BranchResponse again = dtmStub(gid, "01", "action").lockUserCoupon(lock);
        assertThat(again.getEffect()).isEqualTo("DUPLICATE");
        assertThat(again.getStatus()).isEqualTo(UserCouponStatus.LOCKED);

        UseCouponResponse used = dtmStub(gid, "03", "action").useLockedCoupon(use(user, coupon, order));
        assertThat(used.getEffect()).isEqualTo("APPLIED");
        assertThat(used.getDiscount().getDiscountCents()).isEqualTo(500);
        assertThat(used.getDiscount().getFinalCents()).isEqualTo(4299);
        assertThat(dtmStub(gid, "03", "action").useLockedCoupon(use(user, coupon, order)).getEffect())
                .isEqualTo("DUPLICATE");
        assertThat(w.usageLogs(coupon)).hasSize(1);

        RevertCouponRequest revert = RevertCouponRequest.newBuilder().setUserId(user).setCouponId(coupon)
                .setOrderSn(order).build();
        assertThat(dtmStub(gid, "03", "compensate").revertUsedCoupon(revert).getEffect()).isEqualTo("APPLIED");
        assertThat(dtmStub(gid, "03", "compensate").revertUsedCoupon(revert).getEffect()).isEqualTo("DUPLICATE");
        UnlockCouponRequest unlock = UnlockCouponRequest.newBuilder().setUserId(user).setCouponId(coupon)
                .setOrderSn(order).build();
        assertThat(dtmStub(gid, "01", "compensate").unlockUserCoupon(unlock).getEffect()).isEqualTo("NOTHING_TO_UNDO");
        assertThat(dtmStub(gid, "01", "compensate").unlockUserCoupon(unlock).getEffect()).isEqualTo("DUPLICATE");

        assertThat(w.row(coupon).status()).isEqualTo(1);
        assertThat(w.usageLogs(coupon)).singleElement().satisfies(l -> assertThat(l.reverted()).isTrue());
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUsed", "CouponReverted");

        // HTTP mode: lock of a new order twice, one effect
        String gid2 = gid();
        String body = SagaIT.payload(user, coupon, "order-" + gid2);
        assertThat(call("lock", gid2, "01", "action", body).body()).contains("\"effect\":\"APPLIED\"");
        assertThat(call("lock", gid2, "01", "action", body).body()).contains("\"effect\":\"DUPLICATE\"");
        assertThat(call("unlock", gid2, "01", "compensate", body).body()).contains("\"effect\":\"APPLIED\"");
        assertThat(call("unlock", gid2, "01", "compensate", body).body()).contains("\"effect\":\"DUPLICATE\"");
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked", "CouponUsed", "CouponReverted",
                "CouponLocked", "CouponUnlocked");
    }

    @Test
    void fifty_concurrent_locks_of_one_coupon_from_different_orders_let_exactly_one_win() throws Exception {
        long user = USERS.incrementAndGet();
        long coupon = w.coupon(user, template.id());
        int n = 50;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        List<String> orders = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String gid = gid();
                String order = "order-" + gid;
                orders.add(order);
                Callable<Reply> task = () -> {
                    go.await();
                    return call("lock", gid, "01", "action", SagaIT.payload(user, coupon, order));
                };
                replies.add(pool.submit(task));
            }
            double refusedBefore = wrongStatusRefusals();
            go.countDown();
            int won = 0;
            int refused = 0;
            String winner = null;
            for (int i = 0; i < n; i++) {
                Reply r = replies.get(i).get(60, TimeUnit.SECONDS);
                if (r.status() == 200) {
                    won++;
                    winner = orders.get(i);
                } else {
                    assertThat(r.status()).isEqualTo(409);
                    assertThat(r.body()).contains("locked by another order");
                    refused++;
                }
            }
            assertThat(won).isEqualTo(1);
            assertThat(refused).isEqualTo(n - 1);
            WalletFixture.Row row = w.row(coupon);
            assertThat(row.status()).isEqualTo(2);
            assertThat(row.orderSn()).isEqualTo(winner);
            assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked");
            assertThat(wrongStatusRefusals() - refusedBefore).as("refused locks counted").isEqualTo(n - 1);
        } finally {
            pool.shutdownNow();
        }
    }

    /** coupon_saga_branches_total of locks refused for the coupon's status, from GET /metrics. */
    private double wrongStatusRefusals() throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort()
                + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        return Exposition.parse(metrics).all("coupon_saga_branches_total", "branch", "lock", "effect", "refused",
                "refusal", "wrong_status").stream().mapToDouble(Exposition.Sample::value).sum();
    }

    @Test
    void using_another_users_coupon_an_expired_one_or_one_not_locked_by_this_order_fails_and_changes_nothing()
            throws Exception {
        long owner = USERS.incrementAndGet();
        long other = USERS.incrementAndGet();
        long coupon = w.coupon(owner, template.id());

        String gid = gid();
        Reply notOwner = call("lock", gid, "01", "action", SagaIT.payload(other, coupon, "order-" + gid));
        assertThat(notOwner.status()).isEqualTo(409);
        assertThat(notOwner.body()).contains("\"error\":\"not_owner\"")
                .contains("coupon " + coupon + " does not belong to user " + other);
        assertThat(w.row(coupon).status()).isEqualTo(1);
        assertThat(w.barrier(gid)).isEmpty();

        long expired = w.coupon(owner, template.id(), Instant.now().minus(1, ChronoUnit.HOURS));
        String gid2 = gid();
        Reply exp = call("lock", gid2, "01", "action", SagaIT.payload(owner, expired, "order-" + gid2));
        assertThat(exp.status()).isEqualTo(409);
        assertThat(exp.body()).contains("\"error\":\"expired\"").contains("coupon " + expired + " expired at");
        assertThat(w.row(expired).status()).isEqualTo(1);

        // locked by order A; use for order B is refused, the lock stays with A
        String gidA = gid();
        String orderA = "order-" + gidA;
        assertThat(call("lock", gidA, "01", "action", SagaIT.payload(owner, coupon, orderA)).status()).isEqualTo(200);
        String gidB = gid();
        Reply otherOrder = call("use", gidB, "03", "action", SagaIT.payload(owner, coupon, "order-" + gidB));
        assertThat(otherOrder.status()).isEqualTo(409);
        assertThat(otherOrder.body()).contains("\"error\":\"other_order\"")
                .contains("coupon " + coupon + " is locked by another order, not by order order-" + gidB);
        // and by another user with the right order
        Reply otherUser = call("use", gidA, "03", "action", SagaIT.payload(other, coupon, orderA));
        assertThat(otherUser.status()).isEqualTo(409);
        assertThat(otherUser.body()).contains("\"error\":\"not_owner\"");
        // an unused coupon cannot be used without a lock
        long unlocked = w.coupon(owner, template.id());
        Reply notLocked = call("use", gidB, "03", "action", SagaIT.payload(owner, unlocked, "order-" + gidB));
        assertThat(notLocked.status()).isEqualTo(409);
        assertThat(notLocked.body()).contains("is not locked by order order-" + gidB + " (it is UNUSED)");

        WalletFixture.Row row = w.row(coupon);
        assertThat(row.status()).isEqualTo(2);
        assertThat(row.orderSn()).isEqualTo(orderA);
        assertThat(w.usageLogs(coupon)).isEmpty();
        assertThat(w.usageLogs(unlocked)).isEmpty();
        assertThat(w.row(unlocked).status()).isEqualTo(1);
        assertThat(w.outboxTags(coupon)).containsExactly("CouponLocked");
        assertThat(w.barrier(gidB)).isEmpty();

        // an order below the threshold: the coupon does not apply, the use is refused
        String small = "{\"user_id\":" + owner + ",\"coupon_id\":" + coupon + ",\"order_sn\":\"" + orderA
                + "\",\"items\":[{\"goods_id\":1,\"category_id\":10,\"quantity\":1,\"unit_price_cents\":1500}]}";
        Reply below = call("use", gidA, "03", "action", small);
        assertThat(below.status()).isEqualTo(409);
        assertThat(below.body()).contains("\"error\":\"does_not_apply\"");
        assertThat(w.row(coupon).status()).isEqualTo(2);

        // not a DTM call at all: without a gid there is no Saga to hold a credential for (401); with a gid
        // but none of DTM's other parameters, 400
        HttpResponse<String> noGid = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.service.httpPort() + "/api/v1/dtm/lock"))
                .header("Authorization", ServiceHarness.BRANCH_CREDENTIAL.forSaga(gidA))
                .POST(HttpRequest.BodyPublishers.ofString(SagaIT.payload(owner, coupon, orderA))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noGid.statusCode()).isEqualTo(401);
        HttpResponse<String> gidOnly = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.service.httpPort() + "/api/v1/dtm/lock?gid=" + gidA))
                .header("Authorization", ServiceHarness.BRANCH_CREDENTIAL.forSaga(gidA))
                .POST(HttpRequest.BodyPublishers.ofString(SagaIT.payload(owner, coupon, orderA))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(gidOnly.statusCode()).isEqualTo(400);
        assertThat(gidOnly.body()).contains("trans_type");
    }

    @Test
    void expired_locks_are_released_and_expired_coupons_marked_once_even_with_two_instances() throws Exception {
        long user = USERS.incrementAndGet();
        long locked = w.coupon(user, template.id());
        long used = w.coupon(user, template.id());
        String gid = gid();
        String order = "order-" + gid;
        assertThat(call("lock", gid, "01", "action", SagaIT.payload(user, locked, order)).status()).isEqualTo(200);
        String gid2 = gid();
        assertThat(call("lock", gid2, "01", "action", SagaIT.payload(user, used, "order-" + gid2)).status()).isEqualTo(200);
        assertThat(call("use", gid2, "03", "action", SagaIT.payload(user, used, "order-" + gid2)).status()).isEqualTo(200);
        long stale = w.coupon(user, template.id(), Instant.now().minus(1, ChronoUnit.MINUTES));

        WalletExpiry a = new WalletExpiry(h.service.dataSource());
        WalletExpiry b = new WalletExpiry(h.service.dataSource());
        Instant beforeDeadline = Instant.now().plusMillis(ServiceHarness.LOCK_TTL_MS).minusSeconds(60);
        a.releaseExpiredLocks(beforeDeadline, 500);
        assertThat(w.row(locked).status()).isEqualTo(2);

        Instant afterDeadline = Instant.now().plusMillis(ServiceHarness.LOCK_TTL_MS).plusSeconds(2);
        Instant now = Instant.now();
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Future<Integer> ra = two.submit(() -> {
                go.await();
                return a.releaseExpiredLocks(afterDeadline, 500) + a.expireCoupons(now, 500);
            });
            Future<Integer> rb = two.submit(() -> {
                go.await();
                return b.releaseExpiredLocks(afterDeadline, 500) + b.expireCoupons(now, 500);
            });
            go.countDown();
            ra.get(30, TimeUnit.SECONDS);
            rb.get(30, TimeUnit.SECONDS);
        } finally {
            two.shutdownNow();
        }
        assertThat(w.row(locked).status()).isEqualTo(1);
        assertThat(w.row(locked).orderSn()).isNull();
        assertThat(w.row(used).status()).isEqualTo(3);
        assertThat(w.row(stale).status()).isEqualTo(4);
        assertThat(w.outboxTags(locked)).containsExactly("CouponLocked", "CouponUnlocked");
        assertThat(w.outboxTags(used)).containsExactly("CouponLocked", "CouponUsed");
        assertThat(w.outboxTags(stale)).containsExactly("CouponExpired");

        // the Saga's late use of the released lock is refused
        Reply late = call("use", gid, "03", "action", SagaIT.payload(user, locked, order));
        assertThat(late.status()).isEqualTo(409);
        assertThat(w.usageLogs(locked)).isEmpty();
    }

    @Test
    void a_stacked_order_records_each_coupons_share_and_its_usage_logs_add_up_to_the_order_discount()
            throws Exception {
        long user = USERS.incrementAndGet();
        Template percent = h.templates.insert(new Template(0, "IT 10% off category 10", CouponType.PERCENT_OFF, 0, 1000,
                0, null, 1000, 1, null, null, 30, null, List.of(10L), null, null, TemplateStatus.PUBLISHED, null, null));
        Template shipping = h.templates.insert(new Template(0, "IT free shipping", CouponType.FREE_SHIPPING, 0, 0, 0,
                null, 1000, 1, null, null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null));
        long cut = w.coupon(user, template.id());
        long off = w.coupon(user, percent.id());
        long ship = w.coupon(user, shipping.id());
        long notInOrder = w.coupon(user, template.id());
        List<Long> coupons = List.of(cut, off, ship);
        UseCouponRequest order = use(user, cut, "unused");
        // What CalculateDiscount quotes for the three together, asked before they are locked.
        DiscountResponse quote = h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).calculateDiscount(
                CalculateDiscountRequest.newBuilder().setUserId(user).addAllCouponIds(coupons)
                        .addAllItems(order.getItemsList()).setShippingFeeCents(order.getShippingFeeCents()).build());
        assertThat(quote.getCouponDiscountsList()).as("every coupon saves something").allSatisfy(
                d -> assertThat(d.getDiscountCents()).isPositive());
        long alone = 0;
        for (long coupon : coupons) {
            alone += h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).calculateDiscount(CalculateDiscountRequest
                    .newBuilder().setUserId(user).addCouponIds(coupon).addAllItems(order.getItemsList())
                    .setShippingFeeCents(order.getShippingFeeCents()).build()).getDiscountCents();
        }
        assertThat(alone).as("an order where stacking changes the figures (standalone sum vs together)")
                .isNotEqualTo(quote.getDiscountCents());
        System.out.printf("stacked order: together %d cents %s, each alone summed %d%n", quote.getDiscountCents(),
                quote.getCouponDiscountsList().stream().map(d -> d.getCouponId() + "=" + d.getDiscountCents()).toList(),
                alone);

        String gid = gid();
        String orderSn = "order-" + gid;
        for (int i = 0; i < coupons.size(); i++) {
            dtmStub(gid, "0" + (i + 1), "action").lockUserCoupon(LockCouponRequest.newBuilder().setUserId(user)
                    .setCouponId(coupons.get(i)).setOrderSn(orderSn).build());
        }
        // A list without the coupon itself, or naming a coupon the order did not lock: refused, nothing changed.
        assertThatThrownBy(() -> dtmStub(gid, "09", "action").useLockedCoupon(use(user, cut, orderSn).toBuilder()
                .addAllOrderCouponIds(List.of(off, ship)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).startsWith("does_not_apply").contains("must include"));
        Reply foreign = call("use", gid, "10", "action", SagaIT.payload(user, cut, orderSn,
                List.of(cut, notInOrder)));
        assertThat(foreign.status()).isEqualTo(409);
        assertThat(foreign.body()).contains("\"error\":\"other_order\"").contains("not locked or used by order");
        Reply invalid = call("use", gid, "10", "action", SagaIT.payload(user, cut, orderSn,
                List.of(cut, 0L)));
        assertThat(invalid.status()).as("DTM's FAILURE: bad input rolls the Saga back").isEqualTo(409);
        assertThat(invalid.body()).contains("\"error\":\"invalid_argument\"", "\"field\":\"order_coupon_ids\"");
        assertThat(w.row(cut).status()).isEqualTo(2);
        assertThat(w.usageLogs(cut)).isEmpty();

        // The use branches, one over HTTP, two over gRPC, each naming the order's three coupons.
        UseCouponResponse first = dtmStub(gid, "11", "action").useLockedCoupon(use(user, cut, orderSn).toBuilder()
                .addAllOrderCouponIds(coupons).build());
        assertThat(first.getDiscount().getDiscountCents()).isEqualTo(quote.getDiscountCents());
        Reply second = call("use", gid, "12", "action", SagaIT.payload(user, off, orderSn, coupons));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        dtmStub(gid, "13", "action").useLockedCoupon(use(user, ship, orderSn).toBuilder()
                .addAllOrderCouponIds(coupons).build());

        long logged = 0;
        for (long coupon : coupons) {
            WalletFixture.UsageLog log = w.usageLogs(coupon).get(0);
            long share = quote.getCouponDiscountsList().stream().filter(d -> d.getCouponId() == coupon)
                    .findFirst().orElseThrow().getDiscountCents();
            assertThat(log.discount()).as("coupon %d records its share of the combination", coupon).isEqualTo(share);
            assertThat(log.original()).isEqualTo(quote.getOriginalCents());
            assertThat(log.fin()).as("the order's final amount").isEqualTo(quote.getFinalCents());
            long allocated = 0;
            for (JsonNode line : new ObjectMapper().readTree(log.allocation())) {
                allocated += line.get("discount_cents").asLong();
            }
            assertThat(allocated).as("coupon %d's line shares", coupon).isEqualTo(coupon == ship ? 0 : share);
            assertThat(w.row(coupon).status()).isEqualTo(3);
            logged += log.discount();
        }
        assertThat(logged).as("the order's usage logs add up to its discount").isEqualTo(quote.getDiscountCents());
        assertThat(w.row(notInOrder).status()).isEqualTo(1);
    }

    static UseCouponRequest use(long user, long coupon, String order) {
        return UseCouponRequest.newBuilder().setUserId(user).setCouponId(coupon).setOrderSn(order)
                .addItems(OrderItem.newBuilder().setGoodsId(1).setCategoryId(10).setQuantity(2).setUnitPriceCents(1500))
                .addItems(OrderItem.newBuilder().setGoodsId(2).setCategoryId(20).setQuantity(1).setUnitPriceCents(999))
                .setShippingFeeCents(800).build();
    }
}
