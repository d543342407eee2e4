package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.ingress.GrabAnswer.Verdict;
import io.flashcoupon.ingress.admission.GrabAdmission;
import io.flashcoupon.ingress.admission.RateLimiter;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FlashSaleCoupon at its gRPC boundary, in-process: real admission (in-memory cache, limiters,
 * sold-out flags), the real server wiring, and the grab behind Redis and the broker replaced by a
 * function. Each answer must reach the client as the reply or status (code and description) the
 * service promises, and be counted once under its label - without Redis or the broker.
 */
class CouponGrpcServiceTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private static final int PER_USER = 2;

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final Map<Long, Activity> activities = new HashMap<>();
    /** When set, reading an activity fails like MySQL behind the cache going away. */
    private RuntimeException activityReadFails;
    private final SoldOutFlags soldOut = new SoldOutFlags(60_000, clock::millis);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ExecutorService grabExecutor = Executors.newSingleThreadExecutor();
    /** What the grab behind admission does; no grab is expected unless a test says so. */
    private Grab onGrab = (activity, user, requestId) -> {
        throw new AssertionError("no grab expected");
    };
    /** What a retry's lookup answers, given admission's refusal; none expected unless a test says so. */
    private Lookup onLookup = refusal -> {
        throw new AssertionError("no lookup expected");
    };
    private IngressServer server;
    private ManagedChannel channel;
    private CouponGrpc.CouponBlockingStub coupons;

    @FunctionalInterface
    private interface Grab {
        GrabAnswer grab(Activity activity, long userId, String requestId);
    }

    @FunctionalInterface
    private interface Lookup {
        CompletionStage<GrabAnswer> previousGrantOr(GrabAnswer refusal);
    }

    @BeforeEach
    void start() throws Exception {
        ActivityCache cache = new ActivityCache(id -> {
            if (activityReadFails != null) {
                throw activityReadFails;
            }
            return Optional.ofNullable(activities.get(id));
        }, Duration.ofMinutes(1));
        GrabAdmission admission = new GrabAdmission(cache, new RateLimiter<>(PER_USER, 1000, clock::millis), PER_USER,
                null, 0, soldOut, clock);
        Grabs grabs = new Grabs() {
            @Override
            public GrabAnswer grab(Activity activity, long userId, String requestId) {
                return onGrab.grab(activity, userId, requestId);
            }

            @Override
            public CompletionStage<GrabAnswer> previousGrantOr(GrabAnswer refusal, long activityId, long userId,
                    String requestId) {
                return onLookup.previousGrantOr(refusal);
            }
        };
        CouponGrpcService service = new CouponGrpcService(admission, grabs, null, null, grabExecutor,
                new GrabMetrics(registry));
        String name = InProcessServerBuilder.generateName();
        server = new IngressServer(InProcessServerBuilder.forName(name).directExecutor(), service).start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        coupons = CouponGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.stop(1_000);
        grabExecutor.shutdownNow();
    }

    @Test
    void a_grant_replies_success_with_its_coupon_and_counts_granted() {
        running(1);
        onGrab = (activity, user, requestId) -> GrabAnswer.of(activity,
                new GrabResult(GrabCode.GRANTED, 9, 1, "0000000000000000042"));

        FlashSaleResponse reply = grab(1, 7, null);

        assertThat(reply.getSuccess()).isTrue();
        assertThat(reply.getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        assertThat(reply.getCouponSn()).isEqualTo("0000000000000000042");
        assertThat(reply.getRemainingCount()).isEqualTo(9);
        assertThat(reply.getSeq()).isEqualTo(1);
        assertThat(reply.getMessage()).isEqualTo("granted coupon 0000000000000000042");
        assertCounted("granted", "redis");
    }

    @Test
    void a_retry_of_a_granted_request_on_a_sold_out_sale_gets_its_grant_again_counted_as_repeated() {
        running(1);
        soldOut.markSoldOut(1);
        onLookup = refusal -> {
            assertThat(refusal.verdict()).as("admission's refusal, answered if nothing was granted")
                    .isEqualTo(Verdict.SOLD_OUT);
            return CompletableFuture.completedFuture(GrabAnswer.repeated("0000000000000000041", refusal.remaining(), 1));
        };

        FlashSaleResponse reply = grab(1, 7, "retry-1");

        assertThat(reply.getSuccess()).isTrue();
        assertThat(reply.getCode()).as("answered like the grant it repeats")
                .isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        assertThat(reply.getCouponSn()).isEqualTo("0000000000000000041");
        assertThat(reply.getSeq()).isEqualTo(1);
        assertThat(reply.getMessage()).isEqualTo("granted coupon 0000000000000000041");
        assertCounted("repeated", "redis");
        assertThat(rejections("sold_out_flag")).isEqualTo(1);
    }

    @Test
    void a_sale_this_process_saw_sold_out_is_answered_sold_out_without_a_grab() {
        running(1);
        soldOut.markSoldOut(1);

        FlashSaleResponse reply = grab(1, 7, null);

        assertThat(reply.getSuccess()).isFalse();
        assertThat(reply.getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.SOLD_OUT);
        assertThat(reply.getRemainingCount()).isZero();
        assertThat(reply.getMessage()).isEqualTo("activity 1 is sold out");
        assertCounted("sold_out", "local");
        assertThat(rejections("sold_out_flag")).isEqualTo(1);
    }

    @Test
    void the_per_user_limit_reached_in_redis_is_a_reply_not_a_status() {
        running(1);
        onGrab = (activity, user, requestId) -> GrabAnswer.of(activity, new GrabResult(GrabCode.LIMIT_REACHED, 5, 1, null));

        FlashSaleResponse reply = grab(1, 7, null);

        assertThat(reply.getSuccess()).isFalse();
        assertThat(reply.getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.LIMIT_REACHED);
        assertThat(reply.getRemainingCount()).isEqualTo(5);
        assertThat(reply.getSeq()).isEqualTo(1);
        assertThat(reply.getMessage()).isEqualTo("user already holds 1 of 1 coupons allowed in activity 1");
        assertCounted("limit_reached", "redis");
    }

    @Test
    void window_and_status_refusals_fail_the_precondition_with_their_reason() {
        activities.put(1L, sale(1, ActivityStatus.ACTIVE, NOW.plusSeconds(10), NOW.plusSeconds(60)));
        activities.put(2L, sale(2, ActivityStatus.ACTIVE, NOW.minusSeconds(60), NOW));
        activities.put(3L, sale(3, ActivityStatus.PAUSED, NOW.minusSeconds(60), NOW.plusSeconds(60)));
        activities.put(4L, sale(4, ActivityStatus.PENDING, NOW.minusSeconds(60), NOW.plusSeconds(60)));

        assertStatus(() -> grab(1, 7, null), Status.Code.FAILED_PRECONDITION,
                "activity 1 has not started yet; it starts at " + NOW.plusSeconds(10));
        assertStatus(() -> grab(2, 7, null), Status.Code.FAILED_PRECONDITION, "activity 2 has ended");
        assertStatus(() -> grab(3, 7, null), Status.Code.FAILED_PRECONDITION, "activity 3 is paused");
        assertStatus(() -> grab(4, 7, null), Status.Code.FAILED_PRECONDITION,
                "activity 4 has not been started by an operator");

        assertThat(answers("not_started")).isEqualTo(1);
        assertThat(answers("ended")).isEqualTo(1);
        assertThat(answers("not_active")).isEqualTo(1);
        assertThat(answers("not_in_redis")).isEqualTo(1);
        assertThat(rejections("window")).as("before start, after end").isEqualTo(2);
        assertThat(rejections("status")).as("paused, never started").isEqualTo(2);
        assertThat(registry.get("coupon.grab.duration").tag("path", "local").timer().count()).isEqualTo(4);
    }

    @Test
    void a_grab_the_ledger_could_not_settle_is_unavailable_with_what_the_client_should_do() {
        running(1);
        onGrab = (activity, user, requestId) -> GrabAnswer.unavailable("Redis did not answer: the grab's outcome is"
                + " unknown; retry with the same request_id to learn it", new SaleStoreException("timeout", null));

        assertStatus(() -> grab(1, 7, null), Status.Code.UNAVAILABLE,
                "Redis did not answer: the grab's outcome is unknown; retry with the same request_id to learn it");
        assertCounted("unavailable", "redis");
    }

    @Test
    void a_grab_interrupted_by_its_own_check_back_is_unavailable_and_retryable() {
        running(1);
        onGrab = (activity, user, requestId) -> GrabAnswer.of(activity, new GrabResult(GrabCode.VOIDED, 9, 1, null));

        assertStatus(() -> grab(1, 7, null), Status.Code.UNAVAILABLE,
                "the grab was interrupted (VOIDED); nothing was granted, retry");
        assertCounted("unavailable", "redis");
    }

    @Test
    void a_redis_failure_outside_the_ledger_is_unavailable_with_its_message() {
        running(1);
        onGrab = (activity, user, requestId) -> {
            throw new SaleStoreException("Redis did not answer within 3000 ms", null);
        };

        assertStatus(() -> grab(1, 7, null), Status.Code.UNAVAILABLE, "Redis did not answer within 3000 ms");
        assertCounted("unavailable", "redis");
    }

    @Test
    void a_database_failure_reading_the_sale_is_unavailable() {
        activityReadFails = new DataAccessException("read activity 1 failed", null);

        assertStatus(() -> grab(1, 7, null), Status.Code.UNAVAILABLE, "read activity 1 failed");
        assertCounted("unavailable", "local");
    }

    @Test
    void bad_arguments_are_invalid_and_unknown_sales_not_found_without_a_rejection() {
        running(1);

        assertStatus(() -> grab(1, 0, null), Status.Code.INVALID_ARGUMENT, "user_id must be positive, was 0");
        assertStatus(() -> grab(1, 7, "a:b"), Status.Code.INVALID_ARGUMENT,
                "request_id must be 1 to 64 characters without ':'");
        assertStatus(() -> grab(404, 7, null), Status.Code.NOT_FOUND, "activity 404 does not exist");

        assertThat(answers("invalid")).isEqualTo(2);
        assertThat(answers("not_found")).isEqualTo(1);
        assertThat(registry.get("coupon.grab.duration").tag("path", "local").timer().count()).isEqualTo(3);
        assertThat(registry.get("coupon.admission.rejections").counters())
                .allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void a_user_over_the_per_second_limit_is_shed_before_any_grab() {
        running(1);
        onGrab = (activity, user, requestId) -> GrabAnswer.of(activity,
                new GrabResult(GrabCode.LIMIT_REACHED, 5, 1, null));
        for (int i = 0; i < PER_USER; i++) {
            grab(1, 7, null);
        }
        onGrab = (activity, user, requestId) -> {
            throw new AssertionError("a shed grab never reaches Redis");
        };

        assertStatus(() -> grab(1, 7, null), Status.Code.RESOURCE_EXHAUSTED,
                "user 7 exceeded 2 grabs per second; retry later");
        assertThat(answers("shed")).isEqualTo(1);
        assertThat(rejections("user_rate")).isEqualTo(1);
    }

    @Test
    void a_full_grab_executor_sheds_at_once() {
        running(1);
        grabExecutor.shutdown();

        assertStatus(() -> grab(1, 7, null), Status.Code.RESOURCE_EXHAUSTED, "too many grabs in flight; retry shortly");
        assertCounted("shed", "local");
        assertThat(rejections("in_flight")).isEqualTo(1);
    }

    @Test
    void an_unexpected_failure_is_internal_and_tells_the_client_nothing_more() {
        running(1);
        onGrab = (activity, user, requestId) -> {
            throw new IllegalStateException("grab script reply must be a 4-element array");
        };

        assertStatus(() -> grab(1, 7, null), Status.Code.INTERNAL, "internal error");
        assertCounted("internal", "redis");
    }

    /** A guard for the next verdict: it fails until the verdict has a status (or reply) and a label. */
    @Test
    void every_verdict_reaches_the_client_as_its_status_and_is_counted_under_its_label() {
        Activity sale = running(1);
        Map<Verdict, Status.Code> expected = new EnumMap<>(Verdict.class);
        expected.put(Verdict.GRANTED, Status.Code.OK);
        expected.put(Verdict.SOLD_OUT, Status.Code.OK);
        expected.put(Verdict.LIMIT_REACHED, Status.Code.OK);
        expected.put(Verdict.NOT_STARTED, Status.Code.FAILED_PRECONDITION);
        expected.put(Verdict.ENDED, Status.Code.FAILED_PRECONDITION);
        expected.put(Verdict.NOT_ACTIVE, Status.Code.FAILED_PRECONDITION);
        expected.put(Verdict.NOT_IN_REDIS, Status.Code.FAILED_PRECONDITION);
        expected.put(Verdict.REPEATED, Status.Code.OK);
        expected.put(Verdict.UNAVAILABLE, Status.Code.UNAVAILABLE);
        expected.put(Verdict.INVALID, Status.Code.INVALID_ARGUMENT);
        expected.put(Verdict.NOT_FOUND, Status.Code.NOT_FOUND);
        expected.put(Verdict.SHED, Status.Code.RESOURCE_EXHAUSTED);
        expected.put(Verdict.INTERNAL, Status.Code.INTERNAL);
        assertThat(expected.keySet()).as("every verdict has an expected status").containsExactly(Verdict.values());

        long user = 100;
        for (Verdict v : Verdict.values()) {
            GrabAnswer answer = answerOf(v, sale);
            onGrab = (activity, u, requestId) -> answer;
            Status.Code code;
            try {
                grab(1, user++, null);
                code = Status.Code.OK;
            } catch (StatusRuntimeException e) {
                code = e.getStatus().getCode();
                assertThat(e.getStatus().getDescription()).as(v.name()).isEqualTo(answer.message());
            }
            assertThat(code).as(v.name()).isEqualTo(expected.get(v));
            assertThat(answers(v.label)).as("counted under %s", v).isEqualTo(1);
        }
    }

    private static GrabAnswer answerOf(Verdict v, Activity sale) {
        return switch (v) {
            case GRANTED -> GrabAnswer.of(sale, new GrabResult(GrabCode.GRANTED, 3, 1, "0000000000000000001"));
            case SOLD_OUT -> GrabAnswer.of(sale, new GrabResult(GrabCode.SOLD_OUT, 0, 0, null));
            case LIMIT_REACHED -> GrabAnswer.of(sale, new GrabResult(GrabCode.LIMIT_REACHED, 3, 1, null));
            case NOT_STARTED -> GrabAnswer.of(sale, new GrabResult(GrabCode.NOT_STARTED, 0, 0, null));
            case ENDED -> GrabAnswer.of(sale, new GrabResult(GrabCode.ENDED, 0, 0, null));
            case NOT_ACTIVE -> GrabAnswer.of(sale, new GrabResult(GrabCode.NOT_ACTIVE, 0, 0, null));
            case NOT_IN_REDIS -> GrabAnswer.of(sale, new GrabResult(GrabCode.NOT_IN_REDIS, 0, 0, null));
            case REPEATED -> GrabAnswer.of(sale, new GrabResult(GrabCode.REPEATED, 3, 1, "0000000000000000002"));
            case UNAVAILABLE -> GrabAnswer.unavailable("the event broker refused the grab; nothing was granted", null);
            case INVALID -> GrabAnswer.invalid("user_id", "must be positive, was 0");
            case NOT_FOUND -> GrabAnswer.notFound("activity 404 does not exist");
            case SHED -> GrabAnswer.shed(GrabMetrics.Rejection.IN_FLIGHT, "too many grabs in flight; retry shortly");
            case INTERNAL -> GrabAnswer.ofFailure(new IllegalStateException("a bug"));
        };
    }

    private FlashSaleResponse grab(long activityId, long userId, String requestId) {
        FlashSaleRequest.Builder request = FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(userId);
        if (requestId != null) {
            request.setRequestId(requestId);
        }
        return coupons.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(request.build());
    }

    private Activity running(long id) {
        Activity a = sale(id, ActivityStatus.ACTIVE, NOW.minusSeconds(60), NOW.plusSeconds(60));
        activities.put(id, a);
        return a;
    }

    private static Activity sale(long id, ActivityStatus status, Instant start, Instant end) {
        return new Activity(id, 3, "sale " + id, 10, start, end, 1, status);
    }

    private static void assertStatus(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Status.Code code,
            String description) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).isEqualTo(description);
        });
    }

    /** Every answer so far was {@code label}, each counted once and timed on {@code path}. */
    private void assertCounted(String label, String path) {
        assertThat(answers(label)).isPositive().isEqualTo(answersTotal());
        assertThat(registry.get("coupon.grab.duration").tag("path", path).timer().count()).isEqualTo(answersTotal());
    }

    private long answersTotal() {
        return (long) registry.get("coupon.grab.outcomes").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private long answers(String label) {
        return (long) registry.get("coupon.grab.outcomes").tag("code", label).counter().count();
    }

    private long rejections(String reason) {
        return (long) registry.get("coupon.admission.rejections").tag("reason", reason).counter().count();
    }
}
