package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-user limits above one, idempotent retries by request_id, and the local sold-out flag. */
class GrabLimitsIT {

    private static FlashSaleRequest grab(long activity, long user, String requestId) {
        FlashSaleRequest.Builder b = FlashSaleRequest.newBuilder().setActivityId(activity).setUserId(user);
        if (requestId != null) {
            b.setRequestId(requestId);
        }
        return b.build();
    }

    @Test
    void the_nth_grab_of_a_user_gets_seq_n_up_to_the_limit() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(50, 3);
        List<FlashSaleResponse> replies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            replies.add(h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(grab(sale.id(), 77, null)));
        }
        assertThat(replies).extracting(FlashSaleResponse::getCode).containsExactly(
                GrabCode.GRANTED, GrabCode.GRANTED, GrabCode.GRANTED, GrabCode.LIMIT_REACHED, GrabCode.LIMIT_REACHED);
        assertThat(replies.subList(0, 3)).extracting(FlashSaleResponse::getSeq).containsExactly(1, 2, 3);
        SaleInvariants.check(h, sale.id(), 50, 3, Duration.ofSeconds(30));
    }

    @Test
    void concurrent_grabs_of_the_same_users_never_exceed_the_limit() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(200, 3);
        int users = 20;
        int perUser = 6;
        Map<GrabCode, AtomicInteger> codes = new ConcurrentHashMap<>();
        AtomicInteger unavailable = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(48);
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int round = 0; round < perUser; round++) {
            for (int u = 0; u < users; u++) {
                long user = 5_000 + u;
                calls.add(CompletableFuture.runAsync(() -> {
                    try {
                        FlashSaleResponse r = h.blocking.withDeadlineAfter(20, TimeUnit.SECONDS)
                                .flashSaleCoupon(grab(sale.id(), user, null));
                        codes.computeIfAbsent(r.getCode(), c -> new AtomicInteger()).incrementAndGet();
                    } catch (StatusRuntimeException e) {
                        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE);
                        unavailable.incrementAndGet();
                    }
                }, pool));
            }
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        pool.shutdown();
        System.out.println("outcomes " + codes + ", unavailable (raced with itself) " + unavailable);
        int granted = codes.getOrDefault(GrabCode.GRANTED, new AtomicInteger()).get();
        assertThat(granted).as("at most 3 per user").isLessThanOrEqualTo(users * 3);
        assertThat(granted + codes.getOrDefault(GrabCode.LIMIT_REACHED, new AtomicInteger()).get() + unavailable.get())
                .isEqualTo(users * perUser);
        SaleInvariants.check(h, sale.id(), 200, 3, Duration.ofSeconds(30));
    }

    @Test
    void a_retry_with_the_same_request_id_returns_the_original_coupon_and_takes_no_stock() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(1, 1);
        FlashSaleResponse first = h.blocking.flashSaleCoupon(grab(sale.id(), 900, "req-900-a"));
        assertThat(first.getCode()).isEqualTo(GrabCode.GRANTED);

        FlashSaleResponse other = h.blocking.flashSaleCoupon(grab(sale.id(), 901, null));
        assertThat(other.getCode()).as("stock 1 is gone").isEqualTo(GrabCode.SOLD_OUT);

        FlashSaleResponse retry = h.blocking.flashSaleCoupon(grab(sale.id(), 900, "req-900-a"));
        assertThat(retry.getCode()).as("retry past the sold-out flag learns its original outcome")
                .isEqualTo(GrabCode.GRANTED);
        assertThat(retry.getCouponSn()).isEqualTo(first.getCouponSn());

        FlashSaleResponse newRequest = h.blocking.flashSaleCoupon(grab(sale.id(), 900, "req-900-b"));
        assertThat(newRequest.getCode()).isNotEqualTo(GrabCode.GRANTED);

        FlashSaleResponse sameIdOtherUser = h.blocking.flashSaleCoupon(grab(sale.id(), 902, "req-900-a"));
        assertThat(sameIdOtherUser.getCode()).as("request ids are per user").isEqualTo(GrabCode.SOLD_OUT);

        Map<String, String> ledger = SaleInvariants.check(h, sale.id(), 1, 1, Duration.ofSeconds(30));
        assertThat(ledger).containsOnlyKeys(first.getCouponSn());
    }

    @Test
    void once_sold_out_further_grabs_are_answered_without_redis() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(2, 1);
        assertThat(h.blocking.flashSaleCoupon(grab(sale.id(), 1, null)).getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(h.blocking.flashSaleCoupon(grab(sale.id(), 2, null)).getCode()).isEqualTo(GrabCode.GRANTED);
        var redis = h.service.redis().connection().sync();
        String parked = Registry.saleKey(sale.id()) + ":parked";
        // With the sale hash moved away, any grab that reached Redis would answer "not started".
        redis.rename(Registry.saleKey(sale.id()), parked);
        try {
            for (int u = 3; u < 23; u++) {
                FlashSaleResponse r = h.blocking.flashSaleCoupon(grab(sale.id(), u, null));
                assertThat(r.getCode()).as("grab %d answered from the local flag", u).isEqualTo(GrabCode.SOLD_OUT);
            }
        } finally {
            redis.rename(parked, Registry.saleKey(sale.id()));
        }
        SaleInvariants.check(h, sale.id(), 2, 1, Duration.ofSeconds(30));
    }

    @Test
    void a_request_id_with_a_colon_is_refused() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(1, 1);
        assertThatThrownBy(() -> h.blocking.flashSaleCoupon(grab(sale.id(), 5, "a:b")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
}
