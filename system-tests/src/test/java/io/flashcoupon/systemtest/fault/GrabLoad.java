package io.flashcoupon.systemtest.fault;

import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.ClientView;
import io.flashcoupon.systemtest.support.ClientView.Outcome;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shopper crowd for the fault tests: async FlashSaleCoupon calls, a fixed number in flight, users
 * drawn at random (seeded) from a pool larger than the stock, a deadline per call. Two kinds of
 * client, half the users each:
 * <ul>
 * <li>users at even offsets send every grab with a request_id of its own. A grab whose outcome they
 *     did not learn (a failure status) is sent again with the SAME request_id after a growing back-off
 *     until a reply settles it, as a well-behaved client does. {@link #reaskSettled} makes them ask
 *     every settled request once more (after a fault): a request_id keeps its first definitive
 *     outcome, so each of these answers must be that one;
 * <li>users at odd offsets send no request_id and never repeat a grab. A grab of theirs that failed
 *     without saying that nothing was granted stays of unknown outcome: it may have become a coupon.
 * </ul>
 *
 * <p>It records what the clients saw ({@link #view()}: every GRANTED coupon_sn, every definitive
 * answer of every request_id, grabs without request_id of unknown outcome) for SaleInvariants.compare,
 * and what only a client can see is wrong: one coupon_sn answered to two grabs, a GRANTED answer
 * without a coupon_sn, and statuses no fault explains.
 */
final class GrabLoad implements AutoCloseable {
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

    /** What a failure status says about the grab it ended. */
    private enum Failure {
        /** The status says nothing was granted (or changed), or the call never reached the server. */
        NOTHING,
        /** The grab may or may not have happened: a retry with its request_id learns which. */
        UNKNOWN,
        /** FAILED_PRECONDITION: the sale was paused or had ended, a definitive refusal. */
        REFUSED,
        /** A status no fault explains (INTERNAL, NOT_FOUND, ...): counted as unknown and reported. */
        UNEXPECTED
    }

    /** One grab (no request_id) or one request_id with all its attempts; one attempt in flight at most. */
    private static final class Request {
        final long user;
        final String id;
        int attempts; // attempts of the current round (the first asking, or one re-asking)
        long attempt; // the attempt in flight, by issue number
        boolean reask;
        volatile boolean busy = true;
        volatile Outcome first;
        final List<Outcome> answers = new CopyOnWriteArrayList<>();

        Request(long user, String id) {
            this.user = user;
            this.id = id;
        }
    }

    private final CouponGrpc.CouponStub stub;
    private final long activityId;
    private final long firstUser;
    private final int users;
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
    private final LinkedBlockingQueue<Request> again = new LinkedBlockingQueue<>();
    private final Thread driver = new Thread(this::drive, "grab-load");
    private volatile boolean stopNew;
    private volatile boolean closed;

    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong newGrabs = new AtomicLong();
    private final AtomicLong reasked = new AtomicLong();
    private final AtomicLong reaskedAnswered = new AtomicLong();
    private final AtomicLong settledAfterRetry = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger abandoned = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final ConcurrentSkipListSet<Long> attemptsInFlight = new ConcurrentSkipListSet<>();
    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final Map<String, ClientView.Granted> grantsBySn = new ConcurrentHashMap<>();
    private final Map<String, Request> requests = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> unknownWithoutId = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    /** The first description seen of each failure label, for the summary. */
    private final Map<String, String> samples = new ConcurrentHashMap<>();
    private long nextRequest;

    GrabLoad(CouponGrpc.CouponStub stub, long activityId, long firstUser, int users, int inFlight,
            Duration deadline, int maxAttempts, long seed) {
        this.stub = stub;
        this.activityId = activityId;
        this.firstUser = firstUser;
        this.users = users;
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

    /** No new grabs from now on; request_ids whose outcome the client does not know yet are still retried. */
    void stopNew() {
        stopNew = true;
    }

    /** New grabs again after {@link #stopNew}. */
    void resume() {
        stopNew = false;
    }

    /** True once stopped and every grab has a reply, failed for good or ran out of attempts. */
    boolean drained() {
        return stopNew && outstanding.get() == 0;
    }

    /**
     * Every request_id answered with a definitive outcome, and not in flight now, is sent once more
     * with its request_id (and retried like any grab until answered); returns how many.
     */
    int reaskSettled() {
        return reask(false);
    }

    /** As {@link #reaskSettled}, and request_ids that ran out of attempts unanswered get another round. */
    int reaskAll() {
        return reask(true);
    }

    private int reask(boolean unanswered) {
        int n = 0;
        for (Request r : requests.values()) {
            if (!r.busy && (r.first != null || unanswered)) {
                r.busy = true;
                r.reask = true;
                r.attempts = 0;
                outstanding.incrementAndGet();
                again.add(r);
                n++;
            }
        }
        reasked.addAndGet(n);
        return n;
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
                Request r = again.poll();
                if (r == null && !stopNew) {
                    r = newGrab();
                }
                if (r == null) {
                    r = again.poll(100, TimeUnit.MILLISECONDS);
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

    private Request newGrab() {
        int offset = random.nextInt(users);
        Request r;
        if (offset % 2 == 0) {
            r = new Request(firstUser + offset, idPrefix + (nextRequest++));
            requests.put(r.id, r);
        } else {
            r = new Request(firstUser + offset, null);
        }
        newGrabs.incrementAndGet();
        outstanding.incrementAndGet();
        return r;
    }

    private void send(Request r) {
        r.attempts++;
        r.attempt = issued.incrementAndGet();
        attemptsInFlight.add(r.attempt);
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        FlashSaleRequest.Builder request = FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(r.user);
        if (r.id != null) {
            request.setRequestId(r.id);
        }
        try {
            stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).flashSaleCoupon(request.build(),
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
            if (reply.getCouponSn().isEmpty()) {
                violations.add("user " + r.user + " (request " + r.id + ") was answered GRANTED without a coupon_sn");
            } else {
                recordGrant(r, reply.getCouponSn());
            }
            settle(r, Outcome.granted(reply.getCouponSn()));
        } else {
            settle(r, Outcome.refused(reply.getCode().name()));
        }
    }

    private void recordGrant(Request r, String sn) {
        ClientView.Granted grant = new ClientView.Granted(r.user, r.id);
        ClientView.Granted before = grantsBySn.putIfAbsent(sn, grant);
        if (before != null && (r.id == null || !before.equals(grant))) {
            violations.add("coupon " + sn + " was answered to " + before + " and to " + grant);
        }
    }

    /** A definitive outcome ends the round; a request_id's answers are kept (each must be its first one). */
    private void settle(Request r, Outcome outcome) {
        if (r.id != null) {
            r.answers.add(outcome);
            if (r.first == null) {
                r.first = outcome;
            }
            if (r.reask) {
                reaskedAnswered.incrementAndGet();
            }
        }
        if (r.attempts > 1) {
            settledAfterRetry.incrementAndGet();
        }
        done(r);
    }

    private void failed(Request r, Status status) {
        attemptsInFlight.remove(r.attempt);
        Failure failure = classify(status);
        String label = label(status, failure);
        count(label);
        String d = String.valueOf(status.getDescription());
        samples.putIfAbsent(label, d.substring(0, Math.min(160, d.length())));
        switch (failure) {
            case REFUSED -> {
                unexpected.add(status.getCode() + ": " + status.getDescription());
                settle(r, Outcome.refused(status.getCode().name()));
                return;
            }
            case UNEXPECTED -> unexpected.add(status.getCode() + ": " + status.getDescription());
            default -> { }
        }
        if (r.id == null) {
            // Without a request_id nothing can be asked again: the grab's outcome stays as the status said.
            if (failure != Failure.NOTHING) {
                unknownWithoutId.computeIfAbsent(r.user, u -> new AtomicInteger()).incrementAndGet();
            }
            done(r);
            return;
        }
        if (r.attempts >= maxAttempts) {
            abandoned.incrementAndGet();
            done(r);
            return;
        }
        inFlight.decrementAndGet();
        answered.incrementAndGet();
        // Back off (50 ms doubling to 2 s, jittered) before this slot is used again, so a client facing a
        // dead server does not spin; the same request_id goes out again.
        long delay = Math.min(2_000, 50L << Math.min(r.attempts - 1, 6)) + ThreadLocalRandom.current().nextInt(50);
        try {
            backoff.schedule(() -> {
                again.add(r);
                window.release();
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            window.release();
        }
    }

    private void done(Request r) {
        r.reask = false;
        r.busy = false;
        outstanding.decrementAndGet();
        inFlight.decrementAndGet();
        answered.incrementAndGet();
        window.release();
    }

    private static Failure classify(Status status) {
        switch (status.getCode()) {
            case RESOURCE_EXHAUSTED:
                return Failure.NOTHING; // shed by admission, before Redis
            case FAILED_PRECONDITION:
                return Failure.REFUSED;
            case UNAVAILABLE, DEADLINE_EXCEEDED: {
                String d = String.valueOf(status.getDescription());
                if (d.contains("nothing was granted") || d.contains("nothing was changed") || neverConnected(status)) {
                    return Failure.NOTHING;
                }
                return Failure.UNKNOWN;
            }
            default:
                return Failure.UNEXPECTED;
        }
    }

    /** The channel could not connect (the service is down): the call never reached a server. */
    private static boolean neverConnected(Status status) {
        for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    private static String label(Status status, Failure failure) {
        String code = status.getCode().name();
        if (status.getCode() == Status.Code.UNAVAILABLE || status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            String d = String.valueOf(status.getDescription());
            if (d.contains("outcome is unknown")) {
                return code + "(outcome unknown)";
            }
            if (d.contains("nothing was granted") || d.contains("nothing was changed")) {
                return code + "(nothing granted)";
            }
            if (failure == Failure.NOTHING) {
                return code + "(not connected)";
            }
            return status.getCode() == Status.Code.UNAVAILABLE ? code + "(transport)" : code;
        }
        return code;
    }

    private void count(String label) {
        outcomes.computeIfAbsent(label, k -> new AtomicLong()).incrementAndGet();
    }

    Snapshot snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        outcomes.forEach((k, v) -> copy.put(k, v.get()));
        return new Snapshot(System.nanoTime(), issued.get(), answered.get(), grantsBySn.size(), inFlight.get(), copy);
    }

    /** True when every attempt sent up to {@code snapshot} has been answered. */
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

    /** Distinct coupons the clients were told they won. */
    int grantedCoupons() {
        return grantsBySn.size();
    }

    /** What the clients saw, for SaleInvariants.compare. */
    ClientView view() {
        Map<String, ClientView.Asked> asked = new HashMap<>();
        requests.forEach((id, r) -> asked.put(id, new ClientView.Asked(r.user, r.answers)));
        Map<Long, Integer> unknown = new HashMap<>();
        unknownWithoutId.forEach((user, n) -> unknown.put(user, n.get()));
        return new ClientView(grantsBySn, asked, unknown);
    }

    List<String> violations() {
        return new ArrayList<>(violations);
    }

    List<String> unexpectedStatuses() {
        return new ArrayList<>(unexpected);
    }

    String summary() {
        long unresolved = requests.values().stream().filter(r -> r.first == null).count();
        return "grabs " + newGrabs.get() + " (request_ids " + requests.size() + "), attempts " + issued.get()
                + ", peak in flight " + peakInFlight.get() + ", outcomes " + snapshot().outcomes()
                + ", coupons told GRANTED " + grantsBySn.size() + ", settled only after a retry "
                + settledAfterRetry.get() + ", request_ids asked again " + reasked.get() + " (answered "
                + reaskedAnswered.get() + "), request_ids never answered " + unresolved + ", grabs without request_id"
                + " of unknown outcome " + unknownWithoutId.values().stream().mapToInt(AtomicInteger::get).sum()
                + ", rounds given up " + abandoned.get() + "; a description of each failure: " + new TreeMap<>(samples);
    }
}
