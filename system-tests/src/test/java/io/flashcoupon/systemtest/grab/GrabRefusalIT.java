package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.proto.v1.CalculateDiscountRequest;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusResponse;
import io.flashcoupon.proto.v1.GetUserCouponsRequest;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Bad input and refused preconditions say what is wrong and change nothing. */
class GrabRefusalIT {

    private static void assertStatus(ThrowingCallable call, Status.Code code, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(messagePart);
        });
    }

    private static FlashSaleRequest grab(long activity, long user) {
        return FlashSaleRequest.newBuilder().setActivityId(activity).setUserId(user).build();
    }

    @Test
    void unknown_activity_is_not_found() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        assertStatus(() -> h.blocking.flashSaleCoupon(grab(987_654_321L, 1)), Status.Code.NOT_FOUND,
                "activity 987654321 does not exist");
        assertStatus(() -> h.blocking.getFlashSaleStatus(
                FlashSaleStatusRequest.newBuilder().setActivityId(987_654_321L).build()), Status.Code.NOT_FOUND, "987654321");
    }

    @Test
    void non_positive_user_is_invalid_and_changes_nothing() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(5, 1);
        assertStatus(() -> h.blocking.flashSaleCoupon(grab(sale.id(), 0)), Status.Code.INVALID_ARGUMENT, "user_id");
        assertStatus(() -> h.blocking.flashSaleCoupon(grab(sale.id(), -3)), Status.Code.INVALID_ARGUMENT,
                "user_id must be positive");
        assertStatus(() -> h.blocking.getUserCoupons(GetUserCouponsRequest.newBuilder().setUserId(0).build()),
                Status.Code.INVALID_ARGUMENT, "user_id");
        assertUntouched(h, sale, 5);
    }

    @Test
    void activity_never_started_is_refused_and_stays_out_of_redis() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity pending = h.activity(5, 1, now.minusSeconds(10), now.plusSeconds(600));
        assertStatus(() -> h.blocking.flashSaleCoupon(grab(pending.id(), 7)), Status.Code.FAILED_PRECONDITION,
                "has not been started");
        assertThat(h.service.redis().connection().sync().exists(Registry.saleKey(pending.id()),
                Registry.ledgerKey(pending.id()), Registry.usersKey(pending.id()))).isZero();
    }

    @Test
    void window_not_yet_open_is_refused() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity later = h.activity(5, 1, now.plusSeconds(3600), now.plusSeconds(7200));
        h.operator.startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(later.id()).build());
        assertStatus(() -> h.blocking.flashSaleCoupon(grab(later.id(), 7)), Status.Code.FAILED_PRECONDITION,
                "has not started yet");
        assertUntouched(h, later, 5);
    }

    @Test
    void ended_sale_is_refused() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity shortSale = h.activity(5, 1, now.minusSeconds(10), now.plusSeconds(2));
        h.operator.startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(shortSale.id()).build());
        await("the sale window closes").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> !Instant.now().isBefore(shortSale.endTime()));
        assertStatus(() -> h.blocking.flashSaleCoupon(grab(shortSale.id(), 7)), Status.Code.FAILED_PRECONDITION,
                "has ended");
        assertUntouched(h, shortSale, 5);
    }

    @Test
    void second_start_is_refused_and_keeps_the_stock() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(4, 1);
        h.blocking.flashSaleCoupon(grab(sale.id(), 11));
        assertStatus(() -> h.operator.startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(sale.id()).build()),
                Status.Code.FAILED_PRECONDITION, "already started");
        FlashSaleStatusResponse status = h.blocking.getFlashSaleStatus(
                FlashSaleStatusRequest.newBuilder().setActivityId(sale.id()).build());
        assertThat(status.getRemainingCount()).as("not re-seeded").isEqualTo(3);
        assertThat(status.getGrantedCount()).isEqualTo(1);
        SaleInvariants.check(h, sale.id(), 4, 1, Duration.ofSeconds(30));
    }

    @Test
    void start_refuses_to_resume_a_different_sale_left_in_redis_under_the_same_id() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity fresh = h.activity(50, 1, now.minusSeconds(10), now.plusSeconds(600));
        var redis = h.service.redis().connection().sync();
        redis.hset(Registry.saleKey(fresh.id()), Map.of("status", "2", "stock", "3", "total", "5",
                "identity", fresh.id() + "/other-database"));
        assertStatus(() -> h.operator.startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(fresh.id()).build()),
                Status.Code.FAILED_PRECONDITION, "different sale");
        assertThat(redis.hget(Registry.saleKey(fresh.id()), "stock")).as("foreign sale untouched").isEqualTo("3");
        assertThat(h.activities.find(fresh.id()).orElseThrow().status())
                .isEqualTo(io.flashcoupon.core.activity.ActivityStatus.PENDING);
        redis.del(Registry.saleKey(fresh.id()));
    }

    @Test
    void an_empty_discount_request_is_invalid_and_names_the_field() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        assertStatus(() -> h.blocking.withDeadlineAfter(5, TimeUnit.SECONDS)
                .calculateDiscount(CalculateDiscountRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "user_id");
    }

    private static void assertUntouched(ServiceHarness h, Activity sale, int stock) {
        var redis = h.service.redis().connection().sync();
        Map<String, String> saleHash = redis.hgetall(Registry.saleKey(sale.id()));
        assertThat(saleHash.get("stock")).isEqualTo(Integer.toString(stock));
        assertThat(redis.hlen(Registry.ledgerKey(sale.id()))).isZero();
        assertThat(redis.hlen(Registry.usersKey(sale.id()))).isZero();
        assertThat(new io.flashcoupon.core.wallet.UserCouponRepository(h.service.dataSource())
                .countByActivity(sale.id())).isZero();
    }
}
