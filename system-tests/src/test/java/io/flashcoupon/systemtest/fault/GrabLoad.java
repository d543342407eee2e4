package io.flashcoupon.systemtest.fault;

import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shopper crowd for the fault tests: async FlashSaleCoupon calls, a fixed number in flight, users
 * drawn at random (seeded) from a pool larger than the stock, every grab with its own request_id and
 * a deadline. A grab that fails with a transient status (UNAVAILABLE, DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED) is retried later with the SAME request_id, after a growing back-off, as a
 * well-behaved client would; only a reply (GRANTED, SOLD_OUT, LIMIT_REACHED) settles it.
 *
 * <p>It records what the client saw: outcomes by code, every coupon_sn answered GRANTED with its user
 * and request, and violations visible from the client side (one coupon for two requests, two coupons
 * for one request, a user above the per-user limit, statuses that no fault explains).
 */
final class GrabLoad implements AutoCloseable {
    /** Who was told GRANTED for a coupon_sn. */
    record Grant(long user, String requestId) {}

    /** Counters at one moment. */
    record Snapshot(long nanos, long issued, long answered, long granted, int inFlight, Map<String, Long> outcomes) {
        /** Outcomes counted after {@code earlier} up to this snapshot. */
        Map<String, Long> outcomesSince(Snapshot earlier) {
            Map<String, Long> delta = new TreeMap<>();
            outcomes.forEach((k, v) -> {
                long d = v - earlier.outcomes.getOrDefault(k, 0L);
                if (d != 0) {
                    delta.put(k, d);
                }
            });
            return delta;
        }
    }

    private static final class Request {
        final long user;
        final String id;
        int attempts;
        long attempt; // number of the attempt in flight (issued count when it was sent)

        Request(long user, String id) {
            this.user = user;
            this.id = id;
        }
    }

    private final CouponGrpc.CouponStub stub;
    private final long activityId;
    private final long firstUser;
    private final int users;
    private final int perUserLimit;
    private final Random random;
    private final Semaphore window;
    private final Duration deadline;
    private final int maxAttempts;
    private final String idPrefix;
    private final ScheduledExecutorService backoff = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "grab-load-backoff");
        t.setDaemon(true);
        return t;
    });
    private final LinkedBlockingQueue<Request> retries = new LinkedBlockingQueue<>();
    private final Thread driver = new Thread(this::drive, "grab-load");
    private volatile boolean stopNew;
    private volatile boolean closed;

    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong grantedAnswers = new AtomicLong();
    private final AtomicLong grantedAfterRetry = new AtomicLong();
    private final AtomicLong settledAfterRetry = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger abandoned = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final ConcurrentSkipListSet<Long> attemptsInFlight = new ConcurrentSkipListSet<>();
    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Grant> grantsBySn = new ConcurrentHashMap<>();
    private final Map<String, String> snByRequest = new ConcurrentHashMap<>();
    private final Map<Long, Set<String>> snsByUser = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private volatile long nextRequest;

    GrabLoad(CouponGrpc.CouponStub stub, long activityId, long firstUser, int users, int perUserLimit, int inFlight,
            Duration deadline, int maxAttempts, long seed) {
        this.stub = stub;
        this.activityId = activityId;
        this.firstUser = firstUser;
        this.users = users;
        this.perUserLimit = perUserLimit;
        this.window = new Semaphore(inFlight);
        this.deadline = deadline;
        this.maxAttempts = maxAttempts;
        this.random = new Random(seed);
        this.idPrefix = "f" + Long.toString(seed & 0xffff, 36) + "-";
        driver.setDaemon(true);
    }

    void start() {
        driver.start();
    }

    /** No new grabs from now on; grabs whose outcome the client does not know yet are still retried. */
    void stopNew() {
        stopNew = true;
    }

    /** True once stopped and every grab has a reply or ran out of attempts. */
    boolean drained() {
        return stopNew && outstanding.get() == 0;
    }

    @Override
    public void close() {
        stopNew = true;
        closed = true;
        try {
            driver.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            backoff.shutdownNow();
        }
    }

    private void drive() {
        try {
            while (!closed) {
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                Request r = retries.poll();
                if (r == null && !stopNew) {
                    r = new Request(firstUser + random.nextInt(users), idPrefix + (nextRequest++));
                    outstanding.incrementAndGet();
                }
                if (r == null) {
                    r = retries.poll(100, TimeUnit.MILLISECONDS);
                }
                if (r == null) {
                    window.release();
                    continue;
                }
                send(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(Request r) {
        r.attempts++;
        r.attempt = issued.incrementAndGet();
        attemptsInFlight.add(r.attempt);
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        FlashSaleRequest request = FlashSaleRequest.newBuilder()
                .setActivityId(activityId).setUserId(r.user).setRequestId(r.id).build();
        try {
            stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).flashSaleCoupon(request,
                    new StreamObserver<>() {
                        private FlashSaleResponse reply;

                        @Override
                        public void onNext(FlashSaleResponse value) {
                            reply = value;
                        }

                        @Override
                        public void onError(Throwable t) {
                            failed(r, Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            replied(r, reply);
                        }
                    });
        } catch (RuntimeException e) {
            failed(r, Status.fromThrowable(e));
        }
    }

    private void replied(Request r, FlashSaleResponse reply) {
        attemptsInFlight.remove(r.attempt);
        count(reply.getCode().name());
        if (reply.getCode() == GrabCode.GRANTED) {
            grantedAnswers.incrementAndGet();
            if (r.attempts > 1) {
                grantedAfterRetry.incrementAndGet();
            }
            recordGrant(r, reply.getCouponSn());
        }
        if (r.attempts > 1) {
            settledAfterRetry.incrementAndGet();
        }
        outstanding.decrementAndGet();
        finished();
    }

    private void recordGrant(Request r, String sn) {
        if (sn.isEmpty()) {
            violations.add("request " + r.id + " was GRANTED without a coupon_sn");
            return;
        }
        Grant grant = new Grant(r.user, r.id);
        Grant before = grantsBySn.putIfAbsent(sn, grant);
        if (before != null && !before.equals(grant)) {
            violations.add("coupon " + sn + " was granted to " + before + " and to " + grant);
        }
        String snBefore = snByRequest.putIfAbsent(r.id, sn);
        if (snBefore != null && !snBefore.equals(sn)) {
            violations.add("request " + r.id + " was granted two coupons: " + snBefore + " and " + sn);
        }
        Set<String> mine = snsByUser.computeIfAbsent(r.user, u -> ConcurrentHashMap.newKeySet());
        mine.add(sn);
        if (mine.size() > perUserLimit) {
            violations.add("user " + r.user + " was granted " + mine + " (limit " + perUserLimit + ")");
        }
    }

    private void failed(Request r, Status status) {
        attemptsInFlight.remove(r.attempt);
        String label = label(status);
        count(label);
        switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> { }
            default -> unexpected.add(label + ": " + status.getDescription());
        }
        if (r.attempts >= maxAttempts) {
            abandoned.incrementAndGet();
            outstanding.decrementAndGet();
            finished();
            return;
        }
        inFlight.decrementAndGet();
        answered.incrementAndGet();
        // Back off (50 ms doubling to 2 s, jittered) before this slot is used again, so a client facing a
        // dead server does not spin; the same request goes out again with its request_id.
        long delay = Math.min(2_000, 50L << Math.min(r.attempts - 1, 6)) + ThreadLocalRandom.current().nextInt(50);
        try {
            backoff.schedule(() -> {
                retries.add(r);
                window.release();
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            window.release();
        }
    }

    private void finished() {
        inFlight.decrementAndGet();
        answered.incrementAndGet();
        window.release();
    }

    private static String label(Status status) {
        if (status.getCode() != Status.Code.UNAVAILABLE) {
            return status.getCode().name();
        }
        String d = String.valueOf(status.getDescription());
        if (d.contains("outcome is unknown")) {
            return "UNAVAILABLE(outcome unknown)";
        }
        if (d.contains("nothing was granted")) {
            return "UNAVAILABLE(nothing granted)";
        }
        return "UNAVAILABLE(transport)";
    }

    private void count(String label) {
        outcomes.computeIfAbsent(label, k -> new AtomicLong()).incrementAndGet();
    }

    Snapshot snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        outcomes.forEach((k, v) -> copy.put(k, v.get()));
        return new Snapshot(System.nanoTime(), issued.get(), answered.get(), grantsBySn.size(), inFlight.get(), copy);
    }

    /** True when every grab sent up to {@code snapshot} has been answered. */
    boolean answeredAllSentBy(Snapshot snapshot) {
        try {
            return attemptsInFlight.first() > snapshot.issued();
        } catch (java.util.NoSuchElementException empty) {
            return true;
        }
    }

    long outcome(String label) {
        AtomicLong v = outcomes.get(label);
        return v == null ? 0 : v.get();
    }

    /** Replies (GRANTED, SOLD_OUT, LIMIT_REACHED) received. */
    long replies() {
        return outcome("GRANTED") + outcome("SOLD_OUT") + outcome("LIMIT_REACHED");
    }

    /** Distinct coupons the client was told it won. */
    int grantedCoupons() {
        return grantsBySn.size();
    }

    int inFlight() {
        return inFlight.get();
    }

    Map<String, Grant> grants() {
        return Map.copyOf(grantsBySn);
    }

    List<String> violations() {
        return new ArrayList<>(violations);
    }

    List<String> unexpectedStatuses() {
        return new ArrayList<>(unexpected);
    }

    String summary() {
        return "grabs issued " + issued.get() + " (requests " + nextRequest + "), answered " + answered.get()
                + ", peak in flight " + peakInFlight.get() + ", outcomes " + snapshot().outcomes()
                + ", GRANTED answers " + grantedAnswers.get() + " for " + grantsBySn.size() + " coupons"
                + ", settled only after a retry " + settledAfterRetry.get() + " (GRANTED " + grantedAfterRetry.get()
                + "), gave up unknown " + abandoned.get();
    }
}
