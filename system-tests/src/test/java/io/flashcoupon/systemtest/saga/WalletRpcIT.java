package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.proto.v1.AvailableCouponsResponse;
import io.flashcoupon.proto.v1.CalculateDiscountRequest;
import io.flashcoupon.proto.v1.CouponAvailability;
import io.flashcoupon.proto.v1.CreateTemplateRequest;
import io.flashcoupon.proto.v1.DiscountResponse;
import io.flashcoupon.proto.v1.GetTemplateRequest;
import io.flashcoupon.proto.v1.ListTemplatesRequest;
import io.flashcoupon.proto.v1.ListTemplatesResponse;
import io.flashcoupon.proto.v1.OrderCouponsRequest;
import io.flashcoupon.proto.v1.OrderItem;
import io.flashcoupon.proto.v1.TemplateResponse;
import io.flashcoupon.proto.v1.UpdateTemplateRequest;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Template RPCs, GetAvailableCouponsForOrder and CalculateDiscount over gRPC on the real service. */
class WalletRpcIT {
    private static final AtomicLong USERS = new AtomicLong(9_000_000 + (System.currentTimeMillis() % 100_000) * 10);
    private static ServiceHarness h;
    private static WalletFixture w;

    @BeforeAll
    static void start() throws Exception {
        h = ServiceHarness.get();
        w = new WalletFixture(h);
    }

    private static io.flashcoupon.proto.v1.CouponGrpc.CouponBlockingStub rpc() {
        return h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** The operators' RPCs (template writes) carry the operate token. */
    private static io.flashcoupon.proto.v1.CouponGrpc.CouponBlockingStub admin() {
        return h.operator.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        return Status.Code.OK;
    }

    @Test
    void templates_are_created_read_updated_and_listed_over_grpc_with_the_rest_rules() {
        io.flashcoupon.proto.v1.Template t = io.flashcoupon.proto.v1.Template.newBuilder()
                .setName("gRPC 10% off").setType(io.flashcoupon.proto.v1.CouponType.PERCENT_OFF)
                .setDiscountBps(1000).setMaxDiscountCents(300).setTotalCount(100).setValidDays(7)
                .addApplicableCategoryIds(10).build();
        TemplateResponse created = admin().createCouponTemplate(CreateTemplateRequest.newBuilder().setTemplate(t).build());
        long id = created.getTemplate().getId();
        assertThat(id).isPositive();
        assertThat(created.getTemplate().getStatus()).isEqualTo(io.flashcoupon.proto.v1.TemplateStatus.PUBLISHED);
        assertThat(created.getTemplate().getMaxDiscountCents()).isEqualTo(300);
        assertThat(created.getTemplate().getValidDays()).isEqualTo(7);
        assertThat(created.getTemplate().getApplicableCategoryIdsList()).containsExactly(10L);

        assertThat(rpc().getCouponTemplate(GetTemplateRequest.newBuilder().setId(id).build()).getTemplate().getName())
                .isEqualTo("gRPC 10% off");
        TemplateResponse updated = admin().updateCouponTemplate(UpdateTemplateRequest.newBuilder()
                .setTemplate(t.toBuilder().setId(id).setName("gRPC 12% off").setDiscountBps(1200)
                        .clearValidDays().setValidStartMs(1_800_000_000_000L).setValidEndMs(1_900_000_000_000L))
                .build());
        assertThat(updated.getTemplate().getDiscountBps()).isEqualTo(1200);
        assertThat(updated.getTemplate().hasValidDays()).isFalse();
        assertThat(updated.getTemplate().getValidEndMs()).isEqualTo(1_900_000_000_000L);

        ListTemplatesResponse page = rpc().listCouponTemplates(ListTemplatesRequest.newBuilder().setPageSize(1).build());
        assertThat(page.getTemplatesList()).hasSize(1);
        assertThat(page.getNextPageToken()).isNotEmpty();

        StatusRuntimeException bad = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(() ->
                admin().createCouponTemplate(CreateTemplateRequest.newBuilder()
                        .setTemplate(t.toBuilder().setDiscountBps(0).setTotalCount(0)).build()));
        assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(bad.getStatus().getDescription()).contains("discount_bps").contains("total_count");
        assertThat(code(() -> rpc().getCouponTemplate(GetTemplateRequest.newBuilder().setId(Long.MAX_VALUE).build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> admin().updateCouponTemplate(UpdateTemplateRequest.newBuilder()
                .setTemplate(t.toBuilder().setId(Long.MAX_VALUE)).build()))).isEqualTo(Status.Code.NOT_FOUND);
    }

    private static com.fasterxml.jackson.databind.JsonNode rest(String path, String body, int expectedStatus)
            throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + h.service.httpPort() + path))
                        .header("content-type", "application/json")
                        .header("Authorization", "Bearer " + ServiceHarness.OPERATE_TOKEN)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    }

    private static Template template(String name, CouponType type, long amount, int bps, long min, Long cap,
            List<Long> goods) {
        return h.templates.insert(new Template(0, name, type, amount, bps, min, cap, 1000, 1, null, null, 30,
                goods, null, null, null, TemplateStatus.PUBLISHED, null, null));
    }

    /** 2 x 1500 of goods 1 (category 10) + 1 x 999 of goods 2 (category 20), shipping 800. */
    private static List<OrderItem> items() {
        return List.of(
                OrderItem.newBuilder().setGoodsId(1).setCategoryId(10).setQuantity(2).setUnitPriceCents(1500).build(),
                OrderItem.newBuilder().setGoodsId(2).setCategoryId(20).setQuantity(1).setUnitPriceCents(999).build());
    }

    @Test
    void every_wallet_coupon_gets_a_verdict_with_its_reason_and_the_best_combination_is_computed() throws Exception {
        long user = USERS.incrementAndGet();
        Template cut5 = template("5 off 20", CouponType.FULL_CUT, 500, 0, 2000, null, null);
        Template cut10 = template("10 off 50", CouponType.FULL_CUT, 1000, 0, 5000, null, null);
        Template pct = template("10% off", CouponType.PERCENT_OFF, 0, 1000, 0, 300L, null);
        Template ship = template("free shipping", CouponType.FREE_SHIPPING, 0, 0, 0, null, null);
        Template goods9 = template("goods 9 only", CouponType.FULL_CUT, 100, 0, 0, null, List.of(9L));
        long a = w.coupon(user, cut5.id());
        long b = w.coupon(user, cut10.id());
        long c = w.coupon(user, pct.id());
        long d = w.coupon(user, ship.id());
        long e = w.coupon(user, goods9.id());
        long expired = w.coupon(user, cut5.id(), Instant.now().minus(1, ChronoUnit.HOURS));
        long locked = w.coupon(user, cut5.id());
        assertThat(SagaBranchesIT.call("lock", "it-" + java.util.UUID.randomUUID(), "01", "action",
                SagaIT.payload(user, locked, "order-wallet")).status()).isEqualTo(200);

        AvailableCouponsResponse r = rpc().getAvailableCouponsForOrder(OrderCouponsRequest.newBuilder()
                .setUserId(user).addAllItems(items()).setShippingFeeCents(800).build());
        Map<Long, CouponAvailability> byId = r.getCouponsList().stream()
                .collect(Collectors.toMap(x -> x.getCoupon().getId(), Function.identity()));
        assertThat(byId).hasSize(7);
        assertThat(byId.get(a).getUsable()).isTrue();
        assertThat(byId.get(a).getDiscountCents()).isEqualTo(500);
        assertThat(byId.get(b).getUsable()).isFalse();
        assertThat(byId.get(b).getReason()).isEqualTo("threshold 5000 not reached by 1001 cents");
        assertThat(byId.get(c).getDiscountCents()).isEqualTo(300); // 10% of 3999 = 400, capped at 300
        assertThat(byId.get(d).getDiscountCents()).isEqualTo(800);
        assertThat(byId.get(e).getUsable()).isFalse();
        assertThat(byId.get(e).getReason()).isEqualTo("no eligible goods");
        assertThat(byId.get(expired).getUsable()).isFalse();
        assertThat(byId.get(expired).getReason()).startsWith("expired at");
        assertThat(byId.get(locked).getReason()).isEqualTo("locked by an order in payment");
        // best: 5 off + 10% (of 3499 = 350, capped 300) + free shipping 800 = 1600
        DiscountResponse best = r.getBest();
        assertThat(best.getDiscountCents()).isEqualTo(1600);
        assertThat(best.getShippingDiscountCents()).isEqualTo(800);
        assertThat(best.getGoodsDiscountCents()).isEqualTo(800);
        assertThat(best.getCouponDiscountsList()).extracting(x -> x.getCouponId()).containsExactlyInAnyOrder(a, c, d);
        assertThat(best.getFinalCents()).isEqualTo(4799 - 1600);
        assertThat(r.getBestProven()).isTrue();
        assertThat(r.getBestUnprovenReason()).isEmpty();

        DiscountResponse calc = rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(a).addCouponIds(d).addAllItems(items()).setShippingFeeCents(800).build());
        assertThat(calc.getOriginalCents()).isEqualTo(4799);
        assertThat(calc.getDiscountCents()).isEqualTo(1300);
        assertThat(calc.getFinalCents()).isEqualTo(3499);
        assertThat(calc.getAllocationsList()).extracting(x -> x.getDiscountCents()).containsExactly(375L, 125L);
        assertThat(calc.getCouponDiscountsList()).allSatisfy(x -> assertThat(x.getReason()).isNotEmpty());

        // the same reads over the admin REST API
        String order = "\"items\":[{\"goods_id\":1,\"category_id\":10,\"quantity\":2,\"unit_price_cents\":1500},"
                + "{\"goods_id\":2,\"category_id\":20,\"quantity\":1,\"unit_price_cents\":999}],\"shipping_fee_cents\":800";
        com.fasterxml.jackson.databind.JsonNode avail = rest("/api/v1/users/" + user + "/coupons/available", "{" + order + "}", 200);
        assertThat(avail.get("coupons")).hasSize(7);
        assertThat(avail.at("/best/result/discount_cents").asLong()).isEqualTo(1600);
        assertThat(avail.at("/best/proven").asBoolean()).isTrue();
        assertThat(avail.at("/best/unproven_reason").asText()).isEmpty();
        assertThat(avail.at("/best/coupon_ids").toString()).isEqualTo("[" + java.util.stream.Stream.of(a, c, d)
                .sorted().map(String::valueOf).collect(Collectors.joining(",")) + "]");
        com.fasterxml.jackson.databind.JsonNode viaRest = rest("/api/v1/users/" + user + "/coupons/calculate",
                "{\"coupon_ids\":[" + a + "," + d + "]," + order + "}", 200);
        assertThat(viaRest.get("final_cents").asLong()).isEqualTo(3499);
        assertThat(rest("/api/v1/users/" + user + "/coupons/calculate", "{\"coupon_ids\":[" + locked + "]," + order + "}",
                409).get("message").asText()).contains("locked by an order in payment");
        assertThat(rest("/api/v1/users/" + user + "/coupons/available", "{\"items\":[]}", 400).get("error").asText())
                .isEqualTo("invalid_argument");

        long stranger = USERS.incrementAndGet();
        StatusRuntimeException notOwner = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(() ->
                rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(stranger).addCouponIds(a)
                        .addAllItems(items()).build()));
        assertThat(notOwner.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(notOwner.getStatus().getDescription()).contains("does not belong to user " + stranger);
        assertThat(code(() -> rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(locked).addAllItems(items()).build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(code(() -> rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(a).addCouponIds(a).addAllItems(items()).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(a).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThatThrownBy(() -> rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(Long.MAX_VALUE).addAllItems(items()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        x -> assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void template_stacking_rules_are_stored_and_enforced_over_grpc_and_rest() throws Exception {
        io.flashcoupon.proto.v1.Template cut = io.flashcoupon.proto.v1.Template.newBuilder()
                .setName("gRPC 30 off 30, twice per order").setType(io.flashcoupon.proto.v1.CouponType.FULL_CUT)
                .setDiscountAmountCents(3000).setMinAmountCents(3000).setTotalCount(100).setValidDays(7)
                .setStacking(io.flashcoupon.proto.v1.TemplateStacking.newBuilder().setMaxPerOrder(2)
                        .addCombinesWith(io.flashcoupon.proto.v1.StackingClass.STACKING_AMOUNT)
                        .setMinPayableCents(1000))
                .build();
        io.flashcoupon.proto.v1.Template stored = admin().createCouponTemplate(
                CreateTemplateRequest.newBuilder().setTemplate(cut).build()).getTemplate();
        assertThat(stored.getStacking().getMaxPerOrder()).isEqualTo(2);
        assertThat(stored.getStacking().getCombinesWithList())
                .containsExactly(io.flashcoupon.proto.v1.StackingClass.STACKING_AMOUNT);
        assertThat(stored.getStacking().getMinPayableCents()).isEqualTo(1000);
        assertThat(stored.getStacking().getExclusive()).isFalse();
        io.flashcoupon.proto.v1.Template plain = admin().createCouponTemplate(CreateTemplateRequest.newBuilder()
                .setTemplate(cut.toBuilder().setName("gRPC 5 off, defaults").setDiscountAmountCents(500)
                        .setMinAmountCents(0).clearStacking()).build()).getTemplate();
        assertThat(plain.getStacking().getMaxPerOrder()).isEqualTo(1);
        assertThat(plain.getStacking().getCombinesWithCount()).isEqualTo(3);
        assertThat(code(() -> admin().createCouponTemplate(CreateTemplateRequest.newBuilder().setTemplate(
                cut.toBuilder().setStacking(cut.getStacking().toBuilder().setMaxPerOrder(7))).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);

        long user = USERS.incrementAndGet();
        long a = w.coupon(user, stored.getId());
        long b = w.coupon(user, stored.getId());
        long c = w.coupon(user, stored.getId());
        long p1 = w.coupon(user, plain.getId());
        long p2 = w.coupon(user, plain.getId());
        // 3,999 of goods + 800 shipping: two "30 off 30" (the template allows two) would take all the
        // goods, but the floor keeps 1,000 to pay: 3,799 off; a third copy, or two copies of the plain
        // template (once per order by default), are refused
        DiscountResponse two = rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(a).addCouponIds(b).addAllItems(items()).setShippingFeeCents(800).build());
        assertThat(two.getFinalCents()).isEqualTo(1000);
        StatusRuntimeException three = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(() ->
                rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user).addCouponIds(a)
                        .addCouponIds(b).addCouponIds(c).addAllItems(items()).setShippingFeeCents(800).build()));
        assertThat(three.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(three.getStatus().getDescription()).contains("at most 2 coupons of template " + stored.getId());
        assertThat(code(() -> rpc().calculateDiscount(CalculateDiscountRequest.newBuilder().setUserId(user)
                .addCouponIds(p1).addCouponIds(p2).addAllItems(items()).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);

        AvailableCouponsResponse avail = rpc().getAvailableCouponsForOrder(OrderCouponsRequest.newBuilder()
                .setUserId(user).addAllItems(items()).setShippingFeeCents(800).build());
        assertThat(avail.getBestProven()).isTrue();
        assertThat(avail.getBest().getFinalCents()).isEqualTo(1000);
        assertThat(avail.getBest().getCouponDiscountsList()).extracting(x -> x.getCouponId()).containsExactly(a, b);

        // the same rules over the admin REST API: stored, read back, refused when out of range
        String body = "{\"name\":\"REST exclusive\",\"type\":\"PERCENT_OFF\",\"discount_bps\":2000,"
                + "\"total_count\":10,\"valid_days\":7,\"stacking\":{\"exclusive\":true,"
                + "\"combines_with\":[\"SHIPPING\"],\"min_payable_cents\":0}}";
        com.fasterxml.jackson.databind.JsonNode viaRest = rest("/api/v1/templates", body, 201);
        assertThat(viaRest.at("/stacking/exclusive").asBoolean()).isTrue();
        assertThat(viaRest.at("/stacking/max_per_order").asInt()).isEqualTo(1);
        assertThat(viaRest.at("/stacking/combines_with").toString()).isEqualTo("[\"SHIPPING\"]");
        assertThat(rest("/api/v1/templates", body.replace("\"exclusive\":true", "\"max_per_order\":0"), 400)
                .toString()).contains("stacking.max_per_order");
    }

    /**
     * Cold wallets of many users read at once are loaded together (WalletCache's batches, the UNION ALL of
     * UserCouponRepository.newestOf): each answer holds exactly that user's coupons, newest first.
     */
    @Test
    void many_cold_wallets_read_at_once_each_answer_only_that_users_coupons_newest_first() throws Exception {
        long templateId = w.fullCut().id();
        Map<Long, List<Long>> expected = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 48; i++) {
            long user = USERS.incrementAndGet();
            List<Long> ids = new java.util.ArrayList<>();
            for (int n = 0; n < i % 4; n++) { // every fourth user has none
                ids.add(0, w.coupon(user, templateId));
            }
            expected.put(user, ids);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(48);
        try {
            Map<Long, java.util.concurrent.Future<List<Long>>> answers = new java.util.LinkedHashMap<>();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (long user : expected.keySet()) {
                answers.put(user, pool.submit(() -> {
                    go.await();
                    return rpc().getUserCoupons(io.flashcoupon.proto.v1.GetUserCouponsRequest.newBuilder()
                            .setUserId(user).build()).getCouponsList().stream()
                            .map(io.flashcoupon.proto.v1.UserCoupon::getId).toList();
                }));
            }
            go.countDown();
            for (var e : answers.entrySet()) {
                assertThat(e.getValue().get(20, TimeUnit.SECONDS)).as("wallet of user %d", e.getKey())
                        .isEqualTo(expected.get(e.getKey()));
            }
        } finally {
            pool.shutdownNow();
        }

        // the batch statement itself on MySQL: each user's newest `limit`, users without coupons absent
        var repo = new io.flashcoupon.core.wallet.UserCouponRepository(h.service.dataSource());
        List<Long> users = List.copyOf(expected.keySet()).subList(0, 8);
        Map<Long, List<io.flashcoupon.core.wallet.UserCoupon>> read = repo.newestOf(users, 2);
        for (long user : users) {
            List<Long> want = expected.get(user).subList(0, Math.min(2, expected.get(user).size()));
            if (want.isEmpty()) {
                assertThat(read).as("user %d has no coupons", user).doesNotContainKey(user);
            } else {
                assertThat(read.get(user)).extracting(io.flashcoupon.core.wallet.UserCoupon::id).as("user %d", user)
                        .isEqualTo(want);
            }
        }
    }
}
