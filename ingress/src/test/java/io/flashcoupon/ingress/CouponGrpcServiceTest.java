package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    private final GrabMetrics metrics = new GrabMetrics(registry);
    /** One grab thread: a grab that blocks keeps the next ones queued. */
    private final ThreadPoolExecutor grabExecutor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>());
    /** What the grab behind admission does; no grab is expected unless a test says so. */
    private Grab onGrab = (activity, user, requestId) -> {
        throw new AssertionError("no grab expected");
    };
    /** What a request id's settle answers, given admission's refusal; none expected unless a test says so. */
    private Settle onSettle = refusal -> {
        throw new AssertionError("no settle expected");
    };
    private IngressServer server;
    private ManagedChannel channel;
    private CouponGrpc.CouponBlockingStub coupons;

    @FunctionalInterface
    private interface Grab {
        GrabAnswer grab(Activity activity, long userId, String requestId);
    }

    @FunctionalInterface
    private interface Settle {
        CompletionStage<GrabAnswer> settle(GrabAnswer refusal);
    }

    @BeforeEach
    void start() throws Exception {
        startService(Duration.ZERO);
    }

    /** The service under test, not starting a grab with less than {@code margin} left before its deadline. */
    private void startService(Duration margin) throws Exception {
        if (server != null) {
            stop();
        }
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
            public GrabAnswer grab(Activity activity, long userId, String requestId, Deadline latestStart) {
                return onGrab.grab(activity, userId, requestId);
            }

            @Override
            public CompletionStage<GrabAnswer> settle(GrabAnswer refusal, Activity activity, long userId,
                    String requestId) {
                return onSettle.settle(refusal);
            }
        };
        CouponGrpcService service = new CouponGrpcService(admission, grabs, null, null, grabExecutor, metrics,
                margin);
        String name = InProcessServerBuilder.generateName();
        server = new IngressServer(InProcessServerBuilder.forName(name).directExecutor(), service,
                io.flashcoupon.core.saga.BranchCredential.of("unit-saga-branch-token-0123456789")).start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        coupons = CouponGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.stop(1_000);
        server = null;
    }

    @AfterEach
    void stopGrabThread() {
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
        onSettle = refusal -> {
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
    void a_grab_whose_coupon_sn_kept_colliding_is_unavailable_and_retryable() {
        running(1);
        onGrab = (activity, user, requestId) -> GrabAnswer.of(activity, new GrabResult(GrabCode.SN_COLLISION, 9, 0, null));

        assertStatus(() -> grab(1, 7, null), Status.Code.UNAVAILABLE,
                "the grab was interrupted (SN_COLLISION); nothing was granted, retry");
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
                "request_id must be 1 to 64 characters without ':' or control characters");
        assertStatus(() -> grab(1, 7, "a\nb"), Status.Code.INVALID_ARGUMENT,
                "request_id must be 1 to 64 characters without ':' or control characters");
        assertStatus(() -> grab(404, 7, null), Status.Code.NOT_FOUND, "activity 404 does not exist");

        assertThat(answers("invalid")).isEqualTo(3);
        assertThat(answers("not_found")).isEqualTo(1);
        assertThat(registry.get("coupon.grab.duration").tag("path", "local").timer().count()).isEqualTo(4);
        assertThat(registry.get("coupon.admission.rejections").counters())
                .allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void a_wallet_page_token_of_zero_or_below_is_invalid_not_the_first_page() {
        // no repository is wired here: a token taken for the first page would fail INTERNAL reading it
        for (String token : new String[] {"0", "-5"}) {
            assertStatus(() -> coupons.getUserCoupons(io.flashcoupon.proto.v1.GetUserCouponsRequest.newBuilder()
                    .setUserId(7).setPageToken(token).build()), Status.Code.INVALID_ARGUMENT,
                    "page_token is not a token this service issued");
        }
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
    void a_grab_whose_deadline_passed_while_it_was_queued_is_dropped_before_redis_and_changes_nothing()
            throws Exception {
        running(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Long> grabbed = new CopyOnWriteArrayList<>();
        onGrab = (activity, user, requestId) -> {
            grabbed.add(user);
            hold(release);
            return granted(activity, "0000000000000000051");
        };
        CompletableFuture<FlashSaleResponse> blocker = grabAsync(1, 7, null, 10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> grabbed.contains(7L));

        CompletableFuture<FlashSaleResponse> stale = grabAsync(1, 8, null, 200);
        await().atMost(Duration.ofSeconds(5)).until(() -> grabExecutor.getQueue().size() == 1);
        assertThat(statusOf(stale)).as("the client gave up").isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        release.countDown();

        assertThat(blocker.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        await().atMost(Duration.ofSeconds(5)).until(() -> answers("deadline_exceeded") == 1);
        assertThat(grabbed).as("the stale grab never ran").containsExactly(7L);
        assertThat(registry.get("coupon.grab.duration").tag("path", "queue").timer().count()).isEqualTo(1);
    }

    @Test
    void a_grab_with_less_time_left_than_the_margin_is_not_started() throws Exception {
        startService(Duration.ofHours(1));
        running(1);

        assertStatus(() -> grab(1, 7, null), Status.Code.DEADLINE_EXCEEDED, "the call's deadline passed, or left no"
                + " time to grab, while it waited for a grab thread; nothing was changed");
        assertCounted("deadline_exceeded", "queue");
    }

    @Test
    void a_second_attempt_of_a_request_in_flight_waits_for_it_and_gets_the_same_coupon_without_a_second_grab()
            throws Exception {
        running(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger grabs = new AtomicInteger();
        onGrab = (activity, user, requestId) -> {
            grabs.incrementAndGet();
            hold(release);
            return granted(activity, "0000000000000000061");
        };
        CompletableFuture<FlashSaleResponse> first = grabAsync(1, 7, "r-61", 10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> grabs.get() == 1);
        CompletableFuture<FlashSaleResponse> second = grabAsync(1, 7, "r-61", 10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> joins() == 1);
        assertThat(second).as("waits for the first attempt").isNotDone();
        release.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS).getCouponSn()).isEqualTo("0000000000000000061");
        FlashSaleResponse again = second.get(5, TimeUnit.SECONDS);
        assertThat(again.getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        assertThat(again.getCouponSn()).isEqualTo("0000000000000000061");
        assertThat(grabs).as("one grab for one request").hasValue(1);
        assertThat(answers("granted")).isEqualTo(1);
        assertThat(answers("repeated")).as("the second attempt is a repeat").isEqualTo(1);
        assertThat(grabAsync(1, 8, "r-61", 10_000).get(5, TimeUnit.SECONDS).getCode())
                .as("another user's request with the same id is its own").isEqualTo(
                        io.flashcoupon.proto.v1.GrabCode.GRANTED);
        assertThat(grabs).hasValue(2);
    }

    @Test
    void an_attempt_waiting_for_its_request_gives_up_at_its_own_deadline_with_deadline_exceeded_not_a_refusal()
            throws Exception {
        running(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger grabs = new AtomicInteger();
        onGrab = (activity, user, requestId) -> {
            grabs.incrementAndGet();
            hold(release);
            return granted(activity, "0000000000000000071");
        };
        CompletableFuture<FlashSaleResponse> first = grabAsync(1, 7, "r-71", 10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> grabs.get() == 1);
        // Meanwhile this process's sold-out flag is set: a retry must still not be told SOLD_OUT.
        soldOut.markSoldOut(1);
        CompletableFuture<FlashSaleResponse> impatient = grabAsync(1, 7, "r-71", 300);

        assertThat(statusOf(impatient)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        await().atMost(Duration.ofSeconds(5)).until(() -> answers("deadline_exceeded") == 1);
        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        assertThat(answers("sold_out")).as("never told a refusal").isZero();
        assertThat(registry.get("coupon.grab.duration").tag("path", "queue").timer().count()).isEqualTo(1);
    }

    @Test
    void an_attempt_dropped_for_its_deadline_hands_its_request_to_the_attempt_that_joined_it() throws Exception {
        running(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Long> grabbed = new CopyOnWriteArrayList<>();
        onGrab = (activity, user, requestId) -> {
            grabbed.add(user);
            if (user == 9) {
                hold(release);
            }
            return granted(activity, "00000000000000000" + user + "1");
        };
        CompletableFuture<FlashSaleResponse> blocker = grabAsync(1, 9, null, 10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> grabbed.contains(9L));
        CompletableFuture<FlashSaleResponse> stale = grabAsync(1, 7, "r-81", 300);
        await().atMost(Duration.ofSeconds(5)).until(() -> grabExecutor.getQueue().size() == 1);
        CompletableFuture<FlashSaleResponse> retry = grabAsync(1, 7, "r-81", 10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> joins() == 1);
        assertThat(statusOf(stale)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        release.countDown();

        FlashSaleResponse answered = retry.get(5, TimeUnit.SECONDS);
        assertThat(answered.getCode()).as("the request grabs once its stale attempt was dropped")
                .isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        assertThat(answered.getCouponSn()).isEqualTo("0000000000000000071");
        assertThat(blocker.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(io.flashcoupon.proto.v1.GrabCode.GRANTED);
        assertThat(grabbed).as("user 7's request grabbed once, by the attempt that waited").containsExactly(9L, 7L);
        assertThat(answers("deadline_exceeded")).isEqualTo(1);
        assertThat(answers("granted")).isEqualTo(2);
    }

    @Test
    void a_request_refused_locally_is_answered_the_outcome_recorded_for_it_by_an_earlier_attempt() {
        Activity sale = running(1);
        activities.put(1L, new Activity(1, 3, "sale 1", 10, NOW.minusSeconds(60), NOW.plusSeconds(60), 2,
                ActivityStatus.PAUSED));
        onSettle = refusal -> {
            assertThat(refusal.verdict()).as("admission's refusal").isEqualTo(Verdict.NOT_ACTIVE);
            return CompletableFuture.completedFuture(GrabAnswer.of(sale,
                    new GrabResult(GrabCode.SOLD_OUT, 4, 0, null, true)));
        };

        FlashSaleResponse reply = grab(1, 7, "r-91");

        assertThat(reply.getCode()).as("the first answer, not this process's view now")
                .isEqualTo(io.flashcoupon.proto.v1.GrabCode.SOLD_OUT);
        assertThat(reply.getMessage()).isEqualTo(
                "activity 1 was sold out when this request_id was first answered; a request_id keeps its first outcome");
        assertCounted("sold_out", "redis");
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
        expected.put(Verdict.DEADLINE_EXCEEDED, Status.Code.DEADLINE_EXCEEDED);
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
            case DEADLINE_EXCEEDED -> GrabAnswer.deadlineExceeded("the call's deadline left no time to grab; nothing"
                    + " was changed");
            case INVALID -> GrabAnswer.invalid("user_id", "must be positive, was 0");
            case NOT_FOUND -> GrabAnswer.notFound("activity 404 does not exist");
            case SHED -> GrabAnswer.shed(GrabMetrics.Rejection.IN_FLIGHT, "too many grabs in flight; retry shortly");
            case INTERNAL -> GrabAnswer.ofFailure(new IllegalStateException("a bug"));
        };
    }

    private static GrabAnswer granted(Activity activity, String sn) {
        return GrabAnswer.of(activity, new GrabResult(GrabCode.GRANTED, 5, 1, sn));
    }

    private static void hold(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A call on the async stub with a deadline of {@code deadlineMs}; completes with its reply or status. */
    private CompletableFuture<FlashSaleResponse> grabAsync(long activityId, long userId, String requestId,
            long deadlineMs) {
        FlashSaleRequest.Builder request = FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(userId);
        if (requestId != null) {
            request.setRequestId(requestId);
        }
        CompletableFuture<FlashSaleResponse> reply = new CompletableFuture<>();
        CouponGrpc.newStub(channel).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).flashSaleCoupon(
                request.build(), new StreamObserver<>() {
                    @Override
                    public void onNext(FlashSaleResponse r) {
                        reply.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        reply.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        return reply;
    }

    /** The status a call ended with (OK for a reply). */
    private static Status.Code statusOf(CompletableFuture<FlashSaleResponse> call) throws Exception {
        try {
            call.get(10, TimeUnit.SECONDS);
            return Status.Code.OK;
        } catch (java.util.concurrent.ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode();
        }
    }

    private long joins() {
        return (long) registry.get("coupon.grab.request.joins").counter().count();
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
