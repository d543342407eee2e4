package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.ingress.GrabAnswer;
import io.flashcoupon.ingress.GrabMetrics;
import io.flashcoupon.ingress.Grabber;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.PinnedLease;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Every request id sent twice - at once, or a little later, the first attempt sometimes with a
 * deadline too short to wait for a full grab queue (a client that gives up and retries) - while the
 * sale sells out, is restocked (and paused and resumed) under load. A request id stands for one
 * logical grab, so whatever its attempts are told must agree: never GRANTED for one attempt and
 * SOLD_OUT, LIMIT_REACHED or "paused" for another, never two coupons, and never a grant recorded in
 * Redis for a request every attempt of which was told it was refused (a stale attempt that ran
 * after its retry was refused). Retryable answers (DEADLINE_EXCEEDED, UNAVAILABLE,
 * RESOURCE_EXHAUSTED) promise nothing and are only counted. Afterwards the sale's invariants: no
 * oversell, nobody above the limit, every GRANTED answer has exactly one ledger entry with its
 * coupon_sn for its user, and one row each.
 */
class RequestIdOutcomesIT {
    private static final Duration MATERIALIZED_WITHIN = Duration.ofSeconds(90);
    /** Calls outstanding at once: more than the harness's grab threads, so the grab queue fills. */
    private static final int IN_FLIGHT = 384;
    /** A first attempt's deadline when it is one that gives up early. */
    private static final long SHORT_DEADLINE_MS = 150;
    private static final long LONG_DEADLINE_MS = 30_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void limit_3_every_request_sent_twice_across_a_restock_gets_one_outcome() throws Exception {
        Result r = run(new Plan(3, 500, 600, List.of(500), false, 31));
        r.assertAgreed();
    }

    @Test
    void limit_2_every_request_sent_twice_across_a_restock_and_a_pause_gets_one_outcome() throws Exception {
        Result r = run(new Plan(2, 500, 500, List.of(400), true, 32));
        r.assertAgreed();
        assertThat(r.paused).as("some attempts met the pause").isPositive();
    }

    @Test
    void a_request_refused_locally_keeps_its_refusal_so_an_attempt_queued_elsewhere_cannot_grant_it_later()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(1, 1);
        RedisCommands<String, String> redis = h.service.redis().connection().sync();
        long winner = 4_200_001;
        long late = 4_200_002;
        assertThat(call(h, sale.id(), winner, "r-win").getCode()).isEqualTo(GrabCode.GRANTED);
        FlashSaleResponse refused = call(h, sale.id(), late, "r-late");
        assertThat(refused.getCode()).as("this process's sold-out flag").isEqualTo(GrabCode.SOLD_OUT);
        assertThat(redis.hget(Registry.requestsKey(sale.id()), late + ":r-late")).as("the refusal, recorded")
                .isEqualTo("!2");
        admin(h, sale.id(), "restock", "{\"amount\":1}", 200);
        System.out.println("injected: request r-late refused locally as sold out, then the sale restocked by 1");

        // The same request's attempt that was queued on another instance runs now, with stock there.
        GrabAnswer queued = new Grabber(new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3)),
                h.service.ledger(), new CouponSnGenerator(Clock.systemUTC(), PinnedLease.of(Clock.systemUTC(), 1001)),
                new SoldOutFlags(1_000, System::currentTimeMillis), Clock.systemUTC(),
                new GrabMetrics(new SimpleMeterRegistry()), new UserCouponRepository(h.service.dataSource()),
                Runnable::run, 10_000).grab(sale, late, "r-late", null);
        assertThat(queued.verdict()).as("the request's first answer").isEqualTo(GrabAnswer.Verdict.SOLD_OUT);
        assertThat(queued.message()).contains("was sold out when this request_id was first answered");

        FlashSaleResponse retried = call(h, sale.id(), late, "r-late");
        assertThat(retried.getCode()).isEqualTo(GrabCode.SOLD_OUT);
        assertThat(redis.hget(Registry.saleKey(sale.id()), "stock")).as("the restocked coupon is still there")
                .isEqualTo("1");
        FlashSaleResponse fresh = call(h, sale.id(), late, "r-late-2");
        assertThat(fresh.getCode()).as("a new request id is a new try").isEqualTo(GrabCode.GRANTED);
        System.out.println("found: the queued attempt and the retry answered SOLD_OUT, a new request id granted "
                + fresh.getCouponSn());
        SaleInvariants.check(h, sale.id(), 2, 1, MATERIALIZED_WITHIN);
    }

    /** Needs user_coupons.request_id written by the sink (migration V11, sinks branch). */
    @Test
    void a_request_granted_before_cleanup_is_answered_its_coupon_from_mysql_after_cleanup() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(2, 1);
        long first = 4_300_001;
        long second = 4_300_002;
        long refused = 4_300_003;
        FlashSaleResponse won = call(h, sale.id(), first, "r-kept");
        assertThat(won.getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(call(h, sale.id(), second, null).getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(call(h, sale.id(), refused, "r-refused").getCode()).isEqualTo(GrabCode.SOLD_OUT);
        SaleInvariants.check(h, sale.id(), 2, 1, MATERIALIZED_WITHIN);
        admin(h, sale.id(), "stop", "", 200);
        admin(h, sale.id(), "cleanup", "", 200);
        assertThat(h.service.redis().connection().sync().exists(Registry.saleKeys(sale.id())))
                .as("the sale's keys, request ids included, are gone").isZero();
        System.out.println("injected: sale " + sale.id() + " stopped and cleaned up after granting " + won.getCouponSn()
                + " to request r-kept");

        FlashSaleResponse again = call(h, sale.id(), first, "r-kept");
        assertThat(again.getCode()).as("the retry of a granted request").isEqualTo(GrabCode.GRANTED);
        assertThat(again.getCouponSn()).isEqualTo(won.getCouponSn());
        Status stillRefused = statusOfCall(h, sale.id(), refused, "r-refused");
        assertThat(stillRefused.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(stillRefused.getDescription()).contains("ended");
        System.out.println("found: r-kept answered " + again.getCouponSn() + " from MySQL; r-refused " + stillRefused);
    }

    private static FlashSaleResponse call(ServiceHarness h, long activityId, long userId, String requestId) {
        FlashSaleRequest.Builder b = FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(userId);
        if (requestId != null) {
            b.setRequestId(requestId);
        }
        return h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(b.build());
    }

    private static Status statusOfCall(ServiceHarness h, long activityId, long userId, String requestId) {
        try {
            call(h, activityId, userId, requestId);
            return Status.OK;
        } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private void admin(ServiceHarness h, long activityId, String op, String body, int expected) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + h.service.httpPort() + "/api/v1/activities/" + activityId + "/" + op))
                .header("Authorization", "Bearer " + ServiceHarness.OPERATE_TOKEN)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", op, r.body()).isEqualTo(expected);
    }

    /**
     * users x (limit + 1) request ids, each sent twice; the sale starts with {@code stock} and gets
     * each of {@code restocks} once it was seen sold out; {@code pause}: paused and resumed between.
     */
    private record Plan(int limit, int users, int stock, List<Integer> restocks, boolean pause, long seed) {}

    /** One attempt's answer: kind GRANTED (with coupon_sn), a definitive refusal, or RETRYABLE. */
    private record Outcome(String kind, String couponSn, String detail) {
        boolean definitive() {
            return !kind.equals("RETRYABLE");
        }
    }

    private Result run(Plan plan) throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(plan.stock, plan.limit);
        long firstUser = 3_000_000L + sale.id() * 10_000L;
        Random random = new Random(plan.seed);

        List<String> requests = new ArrayList<>();
        for (int u = 0; u < plan.users; u++) {
            for (int i = 0; i <= plan.limit; i++) {
                requests.add((firstUser + u) + "/r" + i);
            }
        }
        Collections.shuffle(requests, random);

        Map<String, ConcurrentLinkedQueue<Outcome>> answers = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        Semaphore window = new Semaphore(IN_FLIGHT);
        CountDownLatch done = new CountDownLatch(requests.size() * 2);
        AtomicReference<CountDownLatch> soldOutSeen = new AtomicReference<>(new CountDownLatch(1));
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger grantedAnswers = new AtomicInteger();
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();

        Operator operator = new Operator(h, sale.id(), plan, soldOutSeen, answered, grantedAnswers, done);
        Thread operatorThread = new Thread(operator, "it-operator");
        operatorThread.start();
        try {
            for (String request : requests) {
                long user = Long.parseLong(request.substring(0, request.indexOf('/')));
                String requestId = "it-" + request.replace('/', '-');
                ConcurrentLinkedQueue<Outcome> seen = answers.computeIfAbsent(requestId, k -> new ConcurrentLinkedQueue<>());
                FlashSaleRequest call = FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user)
                        .setRequestId(requestId).build();
                long firstDeadline = random.nextInt(3) == 0 ? SHORT_DEADLINE_MS : LONG_DEADLINE_MS;
                int delayMs = random.nextBoolean() ? 0 : 1 + random.nextInt(200);
                Runnable second = () -> send(h, call, LONG_DEADLINE_MS, seen, window, done, soldOutSeen, answered,
                        grantedAnswers, unexpected);
                window.acquire(2);
                send(h, call, firstDeadline, seen, window, done, soldOutSeen, answered, grantedAnswers, unexpected);
                if (delayMs == 0) {
                    second.run();
                } else {
                    later.schedule(second, delayMs, TimeUnit.MILLISECONDS);
                }
            }
            assertThat(done.await(5, TimeUnit.MINUTES)).as("every attempt answered").isTrue();
        } finally {
            later.shutdown();
            operatorThread.join(TimeUnit.MINUTES.toMillis(2));
        }
        assertThat(operator.failure.get()).as("the operator's restocks and pauses").isNull();
        assertThat(unexpected).as("answers no grab may give").isEmpty();

        int total = plan.stock + operator.restocked.get();
        Map<String, String> ledger = SaleInvariants.check(h, sale.id(), total, plan.limit, MATERIALIZED_WITHIN);
        Map<String, String> recorded = h.service.redis().connection().sync().hgetall(Registry.requestsKey(sale.id()));
        Result result = Result.of(plan, answers, ledger, recorded);
        System.out.printf("request ids (limit %d, %d users, stock %d + restocked %d, pause %s): %s; service: %s%n",
                plan.limit, plan.users, plan.stock, operator.restocked.get(), plan.pause, result.summary(),
                serviceCounts(h));
        return result;
    }

    /** The service's own counts (all sales of this JVM so far) of what the request-id paths did. */
    private String serviceCounts(ServiceHarness h) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.service.httpPort() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        Exposition metrics = Exposition.parse(r.body());
        return "joined " + sum(metrics, "coupon_grab_request_joins_total") + ", dropped or gave up for the deadline "
                + sum(metrics, "coupon_grab_outcomes_total", "code", "deadline_exceeded") + ", repeated "
                + sum(metrics, "coupon_grab_outcomes_total", "code", "repeated") + ", coupon_sn collisions "
                + sum(metrics, "coupon_grab_sn_collisions_total");
    }

    private static long sum(Exposition metrics, String name, String... labels) {
        return (long) metrics.all(name, labels).stream().mapToDouble(Exposition.Sample::value).sum();
    }

    private static void send(ServiceHarness h, FlashSaleRequest call, long deadlineMs,
            ConcurrentLinkedQueue<Outcome> seen, Semaphore window, CountDownLatch done,
            AtomicReference<CountDownLatch> soldOutSeen, AtomicInteger answered, AtomicInteger grantedAnswers,
            ConcurrentLinkedQueue<Throwable> unexpected) {
        h.async.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).flashSaleCoupon(call, new StreamObserver<>() {
            @Override
            public void onNext(FlashSaleResponse r) {
                switch (r.getCode()) {
                    case GRANTED -> {
                        seen.add(new Outcome("GRANTED", r.getCouponSn(), null));
                        grantedAnswers.incrementAndGet();
                    }
                    case SOLD_OUT -> {
                        seen.add(new Outcome("SOLD_OUT", null, null));
                        soldOutSeen.get().countDown();
                    }
                    case LIMIT_REACHED -> seen.add(new Outcome("LIMIT_REACHED", null, null));
                    default -> unexpected.add(new AssertionError("reply " + r));
                }
            }

            @Override
            public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                switch (s.getCode()) {
                    case FAILED_PRECONDITION -> {
                        String d = String.valueOf(s.getDescription());
                        seen.add(new Outcome(d.contains("paused") ? "PAUSED" : d.contains("ended") ? "ENDED"
                                : "PRECONDITION", null, d));
                    }
                    case DEADLINE_EXCEEDED, UNAVAILABLE, RESOURCE_EXHAUSTED ->
                            seen.add(new Outcome("RETRYABLE", null, s.getCode().name()));
                    default -> unexpected.add(t);
                }
                finish();
            }

            @Override
            public void onCompleted() {
                finish();
            }

            private void finish() {
                answered.incrementAndGet();
                window.release();
                done.countDown();
            }
        });
    }

    /**
     * The operator during the sale: each restock once the sale was seen sold out after the previous
     * one; with a pause, the sale is paused once a third of its first stock was granted and resumed
     * after 400 more answers (or when the grabs are done).
     */
    private final class Operator implements Runnable {
        final ServiceHarness h;
        final long activityId;
        final Plan plan;
        final AtomicReference<CountDownLatch> soldOutSeen;
        final AtomicInteger answered;
        final AtomicInteger granted;
        final CountDownLatch grabsDone;
        final AtomicInteger restocked = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Operator(ServiceHarness h, long activityId, Plan plan, AtomicReference<CountDownLatch> soldOutSeen,
                AtomicInteger answered, AtomicInteger granted, CountDownLatch grabsDone) {
            this.h = h;
            this.activityId = activityId;
            this.plan = plan;
            this.soldOutSeen = soldOutSeen;
            this.answered = answered;
            this.granted = granted;
            this.grabsDone = grabsDone;
        }

        @Override
        public void run() {
            try {
                if (plan.pause) {
                    awaitCondition(() -> granted.get() >= plan.stock / 3);
                    admin("pause", "");
                    int at = answered.get();
                    awaitCondition(() -> answered.get() >= at + 400);
                    admin("resume", "");
                }
                for (int amount : plan.restocks) {
                    CountDownLatch seen = soldOutSeen.get();
                    while (!seen.await(50, TimeUnit.MILLISECONDS)) {
                        if (grabsDone.getCount() == 0) {
                            return;
                        }
                    }
                    admin("restock", "{\"amount\":" + amount + "}");
                    restocked.addAndGet(amount);
                    soldOutSeen.set(new CountDownLatch(1));
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        /** Polls {@code condition} until it holds or the grabs are all answered. */
        private void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
            while (!condition.getAsBoolean() && !grabsDone.await(5, TimeUnit.MILLISECONDS)) {
                // polling the clients' counters
            }
        }

        private void admin(String op, String body) throws Exception {
            RequestIdOutcomesIT.this.admin(h, activityId, op, body, 200);
        }
    }

    /** What the attempts of every request id were told, judged against the ledger and the request hash. */
    private record Result(int requestIds, int grantedRequests, int contradictions, int staleGrants,
            int disagreeingRefusals, int twoCoupons, int wrongOwner, int retryable, int paused,
            List<String> examples) {

        static Result of(Plan plan, Map<String, ConcurrentLinkedQueue<Outcome>> answers, Map<String, String> ledger,
                Map<String, String> recorded) {
            int paused = 0;
            int grantedRequests = 0;
            int contradictions = 0;
            int staleGrants = 0;
            int disagreeing = 0;
            int twoCoupons = 0;
            int wrongOwner = 0;
            int retryable = 0;
            List<String> examples = new ArrayList<>();
            for (Map.Entry<String, ConcurrentLinkedQueue<Outcome>> e : answers.entrySet()) {
                String requestId = e.getKey();
                String user = requestId.substring(3, requestId.lastIndexOf('-'));
                Set<String> sns = new TreeSet<>();
                Set<String> refusals = new TreeSet<>();
                for (Outcome o : e.getValue()) {
                    if (o.kind.equals("GRANTED")) {
                        sns.add(o.couponSn);
                        String entry = ledger.get(o.couponSn);
                        if (entry == null || !entry.startsWith(user + ":")) {
                            wrongOwner++;
                            examples.add(requestId + " told GRANTED " + o.couponSn + ", ledger holds " + entry);
                        }
                    } else if (o.definitive()) {
                        refusals.add(o.kind);
                        if (o.kind.equals("PAUSED")) {
                            paused++;
                        }
                    } else {
                        retryable++;
                    }
                }
                String inRedis = recorded.get(user + ":" + requestId);
                boolean grantedInRedis = inRedis != null && ledger.containsKey(inRedis);
                if (!sns.isEmpty()) {
                    grantedRequests++;
                }
                if (sns.size() > 1) {
                    twoCoupons++;
                    examples.add(requestId + " told two coupons " + sns);
                }
                if (!sns.isEmpty() && !refusals.isEmpty()) {
                    contradictions++;
                    examples.add(requestId + " told " + e.getValue());
                }
                if (sns.isEmpty() && !refusals.isEmpty() && grantedInRedis) {
                    staleGrants++;
                    examples.add(requestId + " told " + e.getValue() + " but granted " + inRedis);
                }
                if (refusals.size() > 1) {
                    disagreeing++;
                    examples.add(requestId + " told " + e.getValue());
                }
            }
            return new Result(answers.size(), grantedRequests, contradictions, staleGrants, disagreeing, twoCoupons,
                    wrongOwner, retryable, paused, examples.subList(0, Math.min(10, examples.size())));
        }

        String summary() {
            return requestIds + " request ids, " + grantedRequests + " granted; granted and also refused: "
                    + contradictions + "; refused to every attempt but granted in Redis: " + staleGrants
                    + "; told two different refusals: " + disagreeingRefusals + "; two coupons: " + twoCoupons
                    + "; GRANTED without its ledger entry: " + wrongOwner + "; answered paused: " + paused
                    + "; retryable answers: " + retryable
                    + (examples.isEmpty() ? "" : "; e.g. " + examples);
        }

        void assertAgreed() {
            assertThat(grantedRequests).as("some requests won").isPositive();
            assertThat(contradictions).as("request ids told GRANTED and refused: " + summary()).isZero();
            assertThat(staleGrants).as("request ids refused to every attempt yet granted: " + summary()).isZero();
            assertThat(twoCoupons).as("request ids told two coupons: " + summary()).isZero();
            assertThat(wrongOwner).as("GRANTED answers without their ledger entry: " + summary()).isZero();
            assertThat(disagreeingRefusals).as("request ids told two different refusals: " + summary()).isZero();
        }
    }
}
