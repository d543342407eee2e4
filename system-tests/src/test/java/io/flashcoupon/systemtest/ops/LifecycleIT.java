package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Operators' control of a running sale end to end: pause, resume, stop and restock through the
 * admin REST API of the real process, grabs through its gRPC ingress, checked against Redis, MySQL
 * and the materialized rows.
 */
class LifecycleIT {
    private static final Duration MATERIALIZED_WITHIN = Duration.ofSeconds(30);

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void pause_refuses_grabs_and_changes_nothing_then_resume_grants_again() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 1);
        assertThat(grab(h, sale.id(), 100).getCode()).isEqualTo(GrabCode.GRANTED);

        Reply paused = admin(h, sale.id(), "pause", "");
        assertThat(paused.status).isEqualTo(200);
        assertThat(paused.json.get("status").asText()).isEqualTo("PAUSED");
        Map<String, String> before = saleHash(h, sale.id());
        for (long user = 101; user <= 105; user++) {
            long u = user;
            assertRefused(() -> grab(h, sale.id(), u), "activity " + sale.id() + " is paused");
        }
        assertRefused(() -> grabWithRequestId(h, sale.id(), 106, "r-106"), "paused");
        assertThat(saleHash(h, sale.id())).as("a paused sale changes nothing").isEqualTo(before);
        assertThat(redis(h).hlen(Registry.ledgerKey(sale.id()))).isEqualTo(1);
        assertThat(redis(h).hlen(Registry.usersKey(sale.id()))).isEqualTo(1);

        Reply resumed = admin(h, sale.id(), "resume", "");
        assertThat(resumed.status).isEqualTo(200);
        assertThat(resumed.json.get("status").asText()).isEqualTo("ACTIVE");
        // Redis serves the sale at once; an instance whose activity cache still holds PAUSED refuses
        // locally until the entry expires (activity-cache-ms, 200 ms in the harness).
        await("a grab is granted after resume").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> grantedUnlessPaused(h, sale.id(), 101));
        for (long user = 102; user <= 104; user++) {
            assertThat(grab(h, sale.id(), user).getCode()).isEqualTo(GrabCode.GRANTED);
        }

        assertThat(redis(h).hget(Registry.saleKey(sale.id()), "stock")).isEqualTo("5");
        SaleInvariants.check(h, sale.id(), 10, 1, MATERIALIZED_WITHIN);
    }

    @Test
    void restocked_sold_out_sale_grants_exactly_the_new_coupons_to_concurrent_users_then_sells_out() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(20, 1);
        Burst first = burst(h, sale.id(), users(200_000, 40), 16);
        assertNothingGrantedIn(first.errors);
        assertThat(first.granted).hasSize(20);
        assertThat(grab(h, sale.id(), 299_999).getCode()).as("sold out, and flagged locally").isEqualTo(GrabCode.SOLD_OUT);

        Reply restocked = admin(h, sale.id(), "restock", "{\"amount\":30}");
        assertThat(restocked.status).isEqualTo(200);
        assertThat(restocked.json.get("total_count").asInt()).isEqualTo(50);
        assertThat(restocked.json.get("status").asText()).isEqualTo("ACTIVE");
        // The local sold-out flag (re-checked only after 1 s in the harness) was cleared by the restock.
        FlashSaleResponse afterRestock = grab(h, sale.id(), 300_000);
        assertThat(afterRestock.getCode()).as("served right after restock").isEqualTo(GrabCode.GRANTED);

        Burst second = burst(h, sale.id(), users(300_001, 200), 48);
        System.out.printf("restock burst: peak in flight=%d outcomes=%s errors=%d%n",
                second.peak, second.codes, second.errors.size());
        assertNothingGrantedIn(second.errors);
        assertThat(second.peak).as("in flight at once").isGreaterThanOrEqualTo(32);
        assertThat(second.granted).as("exactly the restocked coupons, less the one above").hasSize(29);
        assertThat(second.count(GrabCode.SOLD_OUT)).isEqualTo(171 - second.errors.size());
        assertThat(grab(h, sale.id(), 299_998).getCode()).as("sold out again").isEqualTo(GrabCode.SOLD_OUT);

        assertThat(saleHash(h, sale.id())).containsEntry("total", "50").containsEntry("stock", "0");
        assertThat(h.activities.find(sale.id()).orElseThrow().totalCount()).isEqualTo(50);
        Map<String, String> ledger = SaleInvariants.check(h, sale.id(), 50, 1, MATERIALIZED_WITHIN);
        Set<String> granted = new HashSet<>(first.granted.keySet());
        granted.addAll(second.granted.keySet());
        granted.add(afterRestock.getCouponSn());
        assertThat(ledger.keySet()).as("the ledger holds exactly the coupons answered GRANTED").isEqualTo(granted);
    }

    @Test
    void restock_while_paused_is_served_only_after_resume() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(2, 1);
        assertThat(grab(h, sale.id(), 400_001).getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(grab(h, sale.id(), 400_002).getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(admin(h, sale.id(), "pause", "").status).isEqualTo(200);

        Reply restocked = admin(h, sale.id(), "restock", "{\"amount\":3}");
        assertThat(restocked.status).isEqualTo(200);
        assertThat(restocked.json.get("status").asText()).as("restock does not resume").isEqualTo("PAUSED");
        assertThat(restocked.json.get("total_count").asInt()).isEqualTo(5);
        assertRefused(() -> grab(h, sale.id(), 400_003), "paused");
        assertThat(redis(h).hget(Registry.saleKey(sale.id()), "stock")).isEqualTo("3");

        assertThat(admin(h, sale.id(), "resume", "").status).isEqualTo(200);
        await("a grab is granted after resume").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> grantedUnlessPaused(h, sale.id(), 400_003));
        assertThat(grab(h, sale.id(), 400_004).getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(grab(h, sale.id(), 400_005).getCode()).isEqualTo(GrabCode.GRANTED);
        assertThat(grab(h, sale.id(), 400_006).getCode()).isEqualTo(GrabCode.SOLD_OUT);
        SaleInvariants.check(h, sale.id(), 5, 1, MATERIALIZED_WITHIN);
    }

    @Test
    void stop_refuses_grabs_for_good_and_keeps_the_sale_and_its_ledger_in_redis() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 1);
        for (long user = 500_001; user <= 500_003; user++) {
            assertThat(grab(h, sale.id(), user).getCode()).isEqualTo(GrabCode.GRANTED);
        }

        Reply stopped = admin(h, sale.id(), "stop", "");
        assertThat(stopped.status).isEqualTo(200);
        assertThat(stopped.json.get("status").asText()).isEqualTo("ENDED");
        assertRefused(() -> grab(h, sale.id(), 500_004), "activity " + sale.id() + " has ended");
        assertRefused(() -> grabWithRequestId(h, sale.id(), 500_005, "r-500005"), "has ended");

        RedisCommands<String, String> redis = redis(h);
        for (String key : new String[] {Registry.saleKey(sale.id()), Registry.usersKey(sale.id()),
                Registry.ledgerKey(sale.id())}) {
            assertThat(redis.exists(key)).as("%s kept", key).isEqualTo(1);
            assertThat(redis.ttl(key)).as("%s has no TTL", key).isEqualTo(-1);
        }
        assertThat(saleHash(h, sale.id())).containsEntry("status", "4").containsEntry("stock", "7");
        assertThat(redis.hlen(Registry.ledgerKey(sale.id()))).isEqualTo(3);
        assertThat(h.activities.find(sale.id()).orElseThrow().status()).isEqualTo(ActivityStatus.ENDED);
        SaleInvariants.check(h, sale.id(), 10, 1, MATERIALIZED_WITHIN);
    }

    @Test
    void invalid_transitions_are_refused_and_change_nothing() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 1);
        assertThat(grab(h, sale.id(), 600_001).getCode()).isEqualTo(GrabCode.GRANTED);

        Snapshot active = snapshot(h, sale.id());
        assertConflict(admin(h, sale.id(), "resume", ""),
                "activity " + sale.id() + " is ACTIVE; only a PAUSED sale can be resumed");
        assertThat(snapshot(h, sale.id())).isEqualTo(active);
        assertThat(grab(h, sale.id(), 600_002).getCode()).as("still serving").isEqualTo(GrabCode.GRANTED);

        assertThat(admin(h, sale.id(), "stop", "").status).isEqualTo(200);
        Snapshot ended = snapshot(h, sale.id());
        assertConflict(admin(h, sale.id(), "pause", ""),
                "activity " + sale.id() + " is ENDED; only an ACTIVE sale can be paused");
        assertConflict(admin(h, sale.id(), "restock", "{\"amount\":5}"),
                "activity " + sale.id() + " is ENDED; a sale that ended cannot be restocked");
        assertConflict(admin(h, sale.id(), "resume", ""),
                "activity " + sale.id() + " is ENDED; only a PAUSED sale can be resumed");
        assertConflict(admin(h, sale.id(), "stop", ""),
                "activity " + sale.id() + " is ENDED; only an ACTIVE or PAUSED sale can be stopped");
        Reply badAmount = admin(h, sale.id(), "restock", "{\"amount\":0}");
        assertThat(badAmount.status).isEqualTo(400);
        assertThat(badAmount.json.get("fields").get(0).get("field").asText()).isEqualTo("amount");
        assertThat(snapshot(h, sale.id())).isEqualTo(ended);
        assertThat(ended.row.status()).isEqualTo(ActivityStatus.ENDED);
        assertThat(ended.row.totalCount()).isEqualTo(10);
        SaleInvariants.check(h, sale.id(), 10, 1, MATERIALIZED_WITHIN);
    }

    @Test
    void an_operation_interrupted_between_redis_and_mysql_is_completed_by_its_retry() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        RedisCommands<String, String> redis = redis(h);
        Activity sale = h.runningSale(10, 1);

        // A pause whose script ran but whose MySQL update was lost: grabs obey Redis at once.
        redis.hset(Registry.saleKey(sale.id()), "status", "3");
        assertRefused(() -> grab(h, sale.id(), 700_001), "paused");
        Reply retried = admin(h, sale.id(), "pause", "");
        assertThat(retried.status).isEqualTo(200);
        assertThat(retried.json.get("status").asText()).isEqualTo("PAUSED");
        assertThat(h.activities.find(sale.id()).orElseThrow().status()).isEqualTo(ActivityStatus.PAUSED);

        // A stop that reached Redis only: a different operation is judged on Redis and repairs the row.
        redis.hset(Registry.saleKey(sale.id()), "status", "4");
        assertConflict(admin(h, sale.id(), "resume", ""), "activity " + sale.id() + " is ENDED");
        assertThat(h.activities.find(sale.id()).orElseThrow().status()).isEqualTo(ActivityStatus.ENDED);
        assertThat(redis.hget(Registry.saleKey(sale.id()), "status")).isEqualTo("4");

        // A stop that reached Redis only, retried.
        Activity stopped = h.runningSale(10, 1);
        redis.hset(Registry.saleKey(stopped.id()), "status", "4");
        Reply stopRetried = admin(h, stopped.id(), "stop", "");
        assertThat(stopRetried.status).isEqualTo(200);
        assertThat(stopRetried.json.get("status").asText()).isEqualTo("ENDED");

        // A restock that reached Redis only: the next restock is not added on top of a stale total.
        Activity other = h.runningSale(10, 1);
        redis.hincrby(Registry.saleKey(other.id()), "total", 5);
        redis.hincrby(Registry.saleKey(other.id()), "stock", 5);
        Reply refused = admin(h, other.id(), "restock", "{\"amount\":5}");
        assertConflict(refused, "activity " + other.id() + " holds 15 coupons in total, not the 10 it showed");
        assertThat(h.activities.find(other.id()).orElseThrow().totalCount()).as("row caught up").isEqualTo(15);
        assertThat(saleHash(h, other.id())).containsEntry("total", "15").containsEntry("stock", "15");
        Reply again = admin(h, other.id(), "restock", "{\"amount\":5}");
        assertThat(again.status).isEqualTo(200);
        assertThat(again.json.get("total_count").asInt()).isEqualTo(20);

        SaleInvariants.check(h, sale.id(), 10, 1, MATERIALIZED_WITHIN);
        SaleInvariants.check(h, other.id(), 20, 1, MATERIALIZED_WITHIN);
    }

    @Test
    void concurrent_operators_and_grabs_leave_mysql_equal_to_redis_and_never_oversell() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(100, 1);
        int operators = 6;
        int opsEach = 15;
        ExecutorService pool = Executors.newFixedThreadPool(operators);
        List<Future<Integer>> results = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < operators; t++) {
            Random random = new Random(t);
            results.add(pool.submit(() -> {
                int restocked = 0;
                go.await();
                for (int i = 0; i < opsEach; i++) {
                    // Half restocks, a quarter each pauses and resumes: many land, many are refused.
                    String op = new String[] {"pause", "resume", "restock", "restock"}[random.nextInt(4)];
                    Reply r = admin(h, sale.id(), op, op.equals("restock") ? "{\"amount\":2}" : "");
                    assertThat(r.status).as("%s: %s", op, r.json).isIn(200, 409);
                    if (op.equals("restock") && r.status == 200) {
                        restocked += 2;
                    }
                }
                return restocked;
            }));
        }
        pool.shutdown();
        go.countDown();
        // Grabs carry request ids, so each one reaches Redis (no local answer from a cached status)
        // and interleaves there with the operators' scripts; rounds go on until the operators are done.
        List<Burst> bursts = new ArrayList<>();
        long nextUser = 800_000;
        do {
            bursts.add(burst(h, sale.id(), users(nextUser, 60), 32, true));
            nextUser += 60;
        } while (!pool.isTerminated() && bursts.size() < 30);
        int added = 0;
        for (Future<Integer> f : results) {
            added += f.get(60, TimeUnit.SECONDS);
        }
        int resumed = admin(h, sale.id(), "resume", "").status;
        assertThat(resumed).as("resume after the storm").isIn(200, 409);
        bursts.add(burst(h, sale.id(), users(nextUser, 60), 32, true));

        Map<String, Long> granted = new ConcurrentHashMap<>();
        int paused = 0;
        int unavailable = 0;
        for (Burst b : bursts) {
            granted.putAll(b.granted);
            for (Throwable e : b.errors) {
                Status status = Status.fromThrowable(e);
                if (status.getCode() == Status.Code.FAILED_PRECONDITION) {
                    assertThat(status.getDescription()).contains("activity " + sale.id() + " is paused");
                    paused++;
                } else {
                    assertNothingGrantedIn(List.of(e));
                    unavailable++;
                }
            }
        }
        System.out.printf("operators: restocked %d; %d grab rounds: granted=%d paused=%d unavailable=%d%n",
                added, bursts.size(), granted.size(), paused, unavailable);

        assertThat(granted).as("some grabs went through between pauses").isNotEmpty();
        assertThat(paused).as("some grabs met a pause").isPositive();
        Map<String, String> saleHash = saleHash(h, sale.id());
        Activity row = h.activities.find(sale.id()).orElseThrow();
        assertThat(saleHash.get("status")).as("resumed at the end").isEqualTo("2");
        assertThat(Integer.parseInt(saleHash.get("total"))).as("every answered restock, once").isEqualTo(100 + added);
        assertThat(row.totalCount()).as("row total follows Redis").isEqualTo(100 + added);
        assertThat(row.status()).as("row status follows Redis").isEqualTo(ActivityStatus.ACTIVE);
        Map<String, String> ledger = SaleInvariants.check(h, sale.id(), 100 + added, 1, MATERIALIZED_WITHIN);
        assertThat(ledger.keySet()).as("granted exactly the coupons answered GRANTED").isEqualTo(granted.keySet());
    }

    // ------------------------------------------------------------------ grabs

    private static FlashSaleResponse grab(ServiceHarness h, long activityId, long userId) {
        return h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(
                FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(userId).build());
    }

    private static FlashSaleResponse grabWithRequestId(ServiceHarness h, long activityId, long userId, String requestId) {
        return h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest.newBuilder()
                .setActivityId(activityId).setUserId(userId).setRequestId(requestId).build());
    }

    /** True when granted, false when refused as paused (a stale local cache); fails on anything else. */
    private static boolean grantedUnlessPaused(ServiceHarness h, long activityId, long userId) {
        try {
            FlashSaleResponse r = grab(h, activityId, userId);
            assertThat(r.getCode()).isEqualTo(GrabCode.GRANTED);
            return true;
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("paused");
            return false;
        }
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains(messagePart);
        });
    }

    /**
     * On this small shared machine the broker may refuse a half message under load; the ingress then
     * answers UNAVAILABLE "nothing was granted", which the callers check against the ledger. Any other
     * failure of a grab fails the test.
     */
    private static void assertNothingGrantedIn(Iterable<Throwable> errors) {
        for (Throwable e : errors) {
            Status status = Status.fromThrowable(e);
            assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).as("%s", status).contains("nothing was granted");
        }
    }

    private static List<Long> users(long first, int n) {
        List<Long> users = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            users.add(first + i);
        }
        return users;
    }

    /** What a burst of async grabs came to. */
    private record Burst(Map<String, Long> granted, Map<GrabCode, AtomicInteger> codes,
            ConcurrentLinkedQueue<Throwable> errors, int peak) {
        int count(GrabCode code) {
            AtomicInteger n = codes.get(code);
            return n == null ? 0 : n.get();
        }
    }

    private static Burst burst(ServiceHarness h, long activityId, List<Long> users, int inFlight) throws Exception {
        return burst(h, activityId, users, inFlight, false);
    }

    /** One async grab per user (with a request id if asked), at most {@code inFlight} outstanding at once. */
    private static Burst burst(ServiceHarness h, long activityId, List<Long> users, int inFlight, boolean requestIds)
            throws Exception {
        Map<String, Long> granted = new ConcurrentHashMap<>();
        Map<GrabCode, AtomicInteger> codes = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger current = new AtomicInteger();
        Semaphore window = new Semaphore(inFlight);
        CountDownLatch done = new CountDownLatch(users.size());
        for (long user : users) {
            window.acquire();
            peak.accumulateAndGet(current.incrementAndGet(), Math::max);
            FlashSaleRequest.Builder request = FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(user);
            if (requestIds) {
                request.setRequestId("burst-" + user);
            }
            h.async.withDeadlineAfter(30, TimeUnit.SECONDS).flashSaleCoupon(request.build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(FlashSaleResponse r) {
                            codes.computeIfAbsent(r.getCode(), c -> new AtomicInteger()).incrementAndGet();
                            if (r.getCode() == GrabCode.GRANTED && granted.put(r.getCouponSn(), user) != null) {
                                errors.add(new AssertionError("coupon_sn granted twice: " + r.getCouponSn()));
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            errors.add(t);
                            finish();
                        }

                        @Override
                        public void onCompleted() {
                            finish();
                        }

                        private void finish() {
                            current.decrementAndGet();
                            window.release();
                            done.countDown();
                        }
                    });
        }
        assertThat(done.await(120, TimeUnit.SECONDS)).as("all grabs answered").isTrue();
        return new Burst(granted, codes, errors, peak.get());
    }

    // ------------------------------------------------------------------ stores and admin API

    private static RedisCommands<String, String> redis(ServiceHarness h) {
        return h.service.redis().connection().sync();
    }

    private static Map<String, String> saleHash(ServiceHarness h, long activityId) {
        return redis(h).hgetall(Registry.saleKey(activityId));
    }

    /** Everything an operation could change: the sale hash, ledger and users in Redis, and the row. */
    private record Snapshot(Map<String, String> sale, Map<String, String> ledger, Map<String, String> users,
            Activity row) {}

    private static Snapshot snapshot(ServiceHarness h, long activityId) {
        RedisCommands<String, String> redis = redis(h);
        return new Snapshot(redis.hgetall(Registry.saleKey(activityId)), redis.hgetall(Registry.ledgerKey(activityId)),
                redis.hgetall(Registry.usersKey(activityId)), h.activities.find(activityId).orElseThrow());
    }

    private record Reply(int status, JsonNode json) {}

    /** POST /api/v1/activities/{id}/{operation} on the service's admin API. */
    private Reply admin(ServiceHarness h, long activityId, String operation, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort()
                        + "/api/v1/activities/" + activityId + "/" + operation))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + ServiceHarness.OPERATE_TOKEN)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), mapper.readTree(response.body()));
    }

    private static void assertConflict(Reply r, String messageStart) {
        assertThat(r.status).as("%s", r.json).isEqualTo(409);
        assertThat(r.json.get("error").asText()).isEqualTo("conflict");
        assertThat(r.json.get("message").asText()).startsWith(messageStart);
    }
}
