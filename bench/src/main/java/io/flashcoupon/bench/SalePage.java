package io.flashcoupon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import io.flashcoupon.proto.v1.ActivityStatus;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.FlashSaleStatusRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusResponse;
import io.flashcoupon.proto.v1.GetTemplateRequest;
import io.flashcoupon.proto.v1.GetUserCouponsRequest;
import io.flashcoupon.proto.v1.UserCouponsResponse;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The sale-page workload of scripts/bench: shoppers as a sale page drives them, no RPC tuned alone.
 *
 * <p>The generator creates its own sale through the admin API, opening {@code lead-seconds} after the
 * first shopper arrives. {@code users} shoppers arrive evenly over {@code arrival-seconds} (in a
 * shuffled order). Each one loads the page - one GetCouponTemplate and one GetFlashSaleStatus - and
 * polls GetFlashSaleStatus every {@code poll-ms} until the status shows the sale open (ACTIVE, start
 * time passed); then it grabs, with up to {@code attempts} tries like the grab-only run (SOLD_OUT, shed
 * and errors are retried, with the same request id). A winner then reads its wallet (GetUserCoupons)
 * and, after that answer, GetAvailableCouponsForOrder for an order.
 *
 * <p>Grabs go through a closed window of {@code concurrency} in flight, as in the grab-only run, so the
 * two runs' grab figures compare; the grab recorder's clock starts at the sale's opening. Reads are a
 * crowd, not a window: each is sent when its shopper's timer fires (an arrival, a poll tick, a win),
 * never waiting for other shoppers' reads, so a slow service sees the whole crowd and sheds what it
 * cannot take (RESOURCE_EXHAUSTED, counted per RPC). Like a page, a shopper never stacks polls: one
 * poll outstanding at most, and ticks that pass while it is unanswered are skipped and counted
 * ({@code polls_skipped}); a shed or failed poll is followed by the next tick. A read's latency is
 * measured from its send; how late the generator sent it after its timer was due is reported apart
 * ({@code generator_send_lag_ms}), with the generator's own CPU time, so a saturated generator
 * shows as itself and not as a slow service. {@code max-outstanding} (100,000) only guards the
 * generator's memory: a read beyond it is not sent and counted in {@code generator_dropped}.
 *
 * <p>The run has a deadline ({@code deadline-seconds}, arrival + lead + 900 s from the first arrival):
 * past it the generator fails with the grab window's and the shoppers' state ({@link GrabSlots})
 * instead of waiting for calls it lost. It prints that state every 10 s while it runs.
 */
final class SalePage {
    private final Supplier<CouponGrpc.CouponStub> stubs;
    private final Map<String, String> args;
    private RpcStats status;
    private RpcStats template;
    private RpcStats wallet;
    private RpcStats available;
    private final ConcurrentLinkedQueue<long[]> grabQueue = new ConcurrentLinkedQueue<>();
    private final Map<String, long[]> granted = new ConcurrentHashMap<>();
    private final AtomicLong walletShowedWin = new AtomicLong();
    private final AtomicLong pollsBeforeGrab = new AtomicLong();
    private final AtomicLong pollsSkipped = new AtomicLong();
    private final AtomicLong generatorDropped = new AtomicLong();
    private final AtomicLong grabsSent = new AtomicLong();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger maxOutstanding = new AtomicInteger();
    private final org.HdrHistogram.Recorder sendLag = new org.HdrHistogram.Recorder(3);
    private int outstandingCap;
    private CountDownLatch done;
    /** Timers of arrivals and polls (a read's send never blocks: they send themselves). */
    private ScheduledExecutorService timers;

    SalePage(Supplier<CouponGrpc.CouponStub> stubs, Map<String, String> args) {
        this.stubs = stubs;
        this.args = args;
    }

    private long num(String key, long def) {
        return Long.parseLong(args.getOrDefault(key, Long.toString(def)));
    }

    Map<String, Object> run() throws Exception {
        int users = (int) num("users", 200_000);
        long offset = num("user-offset", 400_000_000);
        int attempts = (int) num("attempts", 3);
        int concurrency = (int) num("concurrency", 256);
        int stock = (int) num("stock", 20_000);
        double arrivalSeconds = Double.parseDouble(args.getOrDefault("arrival-seconds", "40"));
        long leadSeconds = num("lead-seconds", 5);
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(num("poll-ms", 1000));
        outstandingCap = (int) num("max-outstanding", 100_000);
        done = new CountDownLatch(users);

        // the sale opens lead-seconds after the first arrival; its creation (three admin calls) must be
        // over before that arrival, or the first shoppers would all be sent late at once
        Instant opens = Instant.now().plusSeconds(leadSeconds + 5).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        long[] sale = createSale(stock, opens);
        long activity = sale[0];
        long templateId = sale[1];
        long opensNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(opens.toEpochMilli() - System.currentTimeMillis());
        long firstArrivalNanos = Math.max(System.nanoTime(), opensNanos - TimeUnit.SECONDS.toNanos(leadSeconds));
        Recorder grabs = new Recorder(opensNanos);
        int timelineSeconds = (int) (arrivalSeconds + leadSeconds + 600);
        status = new RpcStats("GetFlashSaleStatus", firstArrivalNanos, timelineSeconds);
        template = new RpcStats("GetCouponTemplate", firstArrivalNanos, timelineSeconds);
        wallet = new RpcStats("GetUserCoupons", firstArrivalNanos, timelineSeconds);
        available = new RpcStats("GetAvailableCouponsForOrder", firstArrivalNanos, timelineSeconds);
        System.err.println("sale page: activity " + activity + " opens at " + opens + ", " + users + " shoppers over "
                + arrivalSeconds + " s");

        List<Long> order = new ArrayList<>(users);
        for (int i = 0; i < users; i++) {
            order.add(offset + i);
        }
        Collections.shuffle(order, new Random(43));
        // daemon threads: a failed run must not be kept alive by its pending poll timers
        timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "sale-page-timer");
            t.setDaemon(true);
            return t;
        });
        FlashSaleStatusRequest statusReq = FlashSaleStatusRequest.newBuilder().setActivityId(activity).build();
        GetTemplateRequest templateReq = GetTemplateRequest.newBuilder().setId(templateId).build();
        double spacing = arrivalSeconds * 1e9 / users;
        for (int i = 0; i < users; i++) {
            long user = order.get(i);
            long at = firstArrivalNanos + (long) (i * spacing);
            timers.schedule(() -> arrive(user, at, statusReq, templateReq, pollNanos, attempts, timers),
                    at - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        long cpuBefore = processCpuNanos();
        // a generous bound on the whole run: a generator that waits past it has lost calls (fail, not hang)
        long deadlineNanos = firstArrivalNanos + TimeUnit.SECONDS.toNanos(
                num("deadline-seconds", (long) arrivalSeconds + leadSeconds + 900));
        grabLoop(activity, concurrency, grabs, deadlineNanos);
        timers.shutdown();
        long end = System.nanoTime();
        long generatorCpu = processCpuNanos() - cpuBefore;
        double seconds = (end - firstArrivalNanos) / 1e9;

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("activity", activity);
        out.put("template_id", templateId);
        out.put("users", users);
        out.put("stock", stock);
        out.put("attempts_per_user", attempts);
        out.put("concurrency", concurrency);
        out.put("arrival_seconds", arrivalSeconds);
        out.put("lead_seconds", leadSeconds);
        out.put("lead_seconds_actual", Recorder.round((opensNanos - firstArrivalNanos) / 1e9));
        out.put("poll_ms", num("poll-ms", 1000));
        out.put("seconds", Recorder.round(seconds));
        out.put("polls_before_grab", pollsBeforeGrab.get());
        out.put("polls_skipped", pollsSkipped.get());
        out.put("generator_dropped", generatorDropped.get());
        out.put("generator_max_reads_outstanding", maxOutstanding.get());
        Histogram lag = sendLag.getIntervalHistogram();
        Map<String, Object> lagMs = new LinkedHashMap<>();
        lagMs.put("p50", Recorder.round(lag.getValueAtPercentile(50) / 1000.0));
        lagMs.put("p99", Recorder.round(lag.getValueAtPercentile(99) / 1000.0));
        lagMs.put("max", Recorder.round(lag.getMaxValue() / 1000.0));
        out.put("generator_send_lag_ms", lagMs);
        out.put("generator_cpu_cores", Recorder.round(generatorCpu / 1e9 / Math.max(1e-9, (end - firstArrivalNanos) / 1e9)));
        out.put("winners", granted.size());
        out.put("winners_whose_wallet_showed_the_coupon", walletShowedWin.get());
        Map<String, Object> rpcs = new LinkedHashMap<>();
        rpcs.put("GetFlashSaleStatus", status.summary(seconds));
        rpcs.put("GetCouponTemplate", template.summary(seconds));
        rpcs.put("GetUserCoupons", wallet.summary(seconds));
        rpcs.put("GetAvailableCouponsForOrder", available.summary(seconds));
        out.put("reads", rpcs);
        Map<String, Object> grab = grabs.summary("sale-page grabs");
        grab.put("clock", "seconds since the sale opened");
        grab.put("granted_distinct", granted.size());
        out.put("grabs", grab);
        String grantsOut = args.get("grants-out");
        if (grantsOut != null) {
            StringBuilder sb = new StringBuilder();
            granted.forEach((sn, v) -> sb.append(sn).append(',').append(v[0]).append(',').append(v[1]).append('\n'));
            Files.writeString(Path.of(grantsOut), sb);
        }
        return out;
    }

    /** Page load: the template and the first status poll at the same moment. */
    private void arrive(long user, long at, FlashSaleStatusRequest statusReq, GetTemplateRequest templateReq,
            long pollNanos, int attempts, ScheduledExecutorService timers) {
        read(template, at, (stub, r) -> stub.getCouponTemplate(templateReq, r.observer()), v -> {});
        poll(user, at, statusReq, pollNanos, attempts, timers);
    }

    /**
     * One poll, due at {@code due}; after its answer the next one at the first tick ({@code due} + k x
     * {@code pollNanos}) still ahead, the ticks passed while it was unanswered skipped (a page does not
     * stack polls). A shed, failed or dropped poll is followed by the next tick as well.
     */
    private void poll(long user, long due, FlashSaleStatusRequest statusReq, long pollNanos, int attempts,
            ScheduledExecutorService timers) {
        read(status, due, (stub, r) -> stub.getFlashSaleStatus(statusReq, r.observer()), v -> {
            FlashSaleStatusResponse r = (FlashSaleStatusResponse) v;
            boolean open = r != null && r.getActivity().getStatus() == ActivityStatus.ACTIVE
                    && r.getActivity().getStartMs() <= System.currentTimeMillis();
            if (open) {
                grabQueue.add(new long[] {user, attempts});
                return;
            }
            pollsBeforeGrab.incrementAndGet();
            long now = System.nanoTime();
            long skipped = ticksPassed(due, now, pollNanos);
            pollsSkipped.addAndGet(skipped);
            long at = due + (skipped + 1) * pollNanos;
            timers.schedule(() -> poll(user, at, statusReq, pollNanos, attempts, timers), at - now, TimeUnit.NANOSECONDS);
        });
    }

    /**
     * Poll ticks after the one due at {@code due} that passed by {@code now} (every {@code period}):
     * ticks a page skips because its poll was still unanswered. 0 when the answer came before the next tick.
     */
    static long ticksPassed(long due, long now, long period) {
        return now <= due + period ? 0 : (now - due - 1) / period;
    }

    interface Send {
        void send(CouponGrpc.CouponStub stub, ClosedLoop.Reply reply);
    }

    interface Then {
        /** The answer, or null when the call failed. */
        void accept(Object value);
    }

    /**
     * One read, sent now, latency from the send; {@code due} is when its timer was due (the send's lag
     * behind it is the generator's, recorded apart). {@code then} gets the answer, or null when the call
     * failed or was not sent.
     */
    private void read(RpcStats stats, long due, Send send, Then then) {
        if (outstanding.incrementAndGet() > outstandingCap) {
            outstanding.decrementAndGet();
            generatorDropped.incrementAndGet();
            then.accept(null);
            return;
        }
        maxOutstanding.accumulateAndGet(outstanding.get(), Math::max);
        long sent = System.nanoTime();
        sendLag.recordValue(Math.max(0, (sent - due) / 1_000));
        send.send(stubs.get().withDeadlineAfter(10, TimeUnit.SECONDS), new ClosedLoop.Reply() {
            @Override
            void done(Object value, Throwable error) {
                try {
                    if (error != null) {
                        stats.failed(error, sent, System.nanoTime());
                    } else {
                        stats.ok(sent, System.nanoTime());
                    }
                } finally {
                    outstanding.decrementAndGet();
                }
                then.accept(value);
            }
        });
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * Grabs of the shoppers who saw the sale open, {@code concurrency} in flight, until every shopper is
     * done; a progress line every 10 s. Fails (with the window's and the shoppers' state) instead of
     * waiting past {@code deadlineNanos}.
     */
    private void grabLoop(long activity, int concurrency, Recorder rec, long deadlineNanos) throws InterruptedException {
        GrabSlots slots = new GrabSlots(concurrency);
        long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (done.getCount() > 0) {
            long now = System.nanoTime();
            if (now >= nextProgress) {
                System.err.println("sale page: " + state(slots));
                nextProgress = now + TimeUnit.SECONDS.toNanos(10);
            }
            if (now >= deadlineNanos) {
                throw stuck("shoppers not done", slots);
            }
            long[] item = grabQueue.poll();
            if (item == null) {
                LockSupport.parkNanos(100_000);
                continue;
            }
            GrabSlots.Slot slot = slots.take(deadlineNanos);
            if (slot == null) {
                throw stuck("no grab slot came back", slots);
            }
            long sent = System.nanoTime();
            grabsSent.incrementAndGet();
            FlashSaleRequest req = FlashSaleRequest.newBuilder().setActivityId(activity).setUserId(item[0])
                    .setRequestId("p" + item[0]).build();
            stubs.get().withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(req, new StreamObserver<>() {
                private Outcome outcome;

                @Override
                public void onNext(FlashSaleResponse r) {
                    outcome = Outcome.of(r);
                    if (outcome == Outcome.GRANTED) {
                        granted.put(r.getCouponSn(), new long[] {System.currentTimeMillis(), item[0]});
                    }
                }

                @Override
                public void onError(Throwable t) {
                    outcome = Outcome.of(t);
                    onCompleted();
                }

                @Override
                public void onCompleted() {
                    Outcome o = outcome == null ? Outcome.ERROR : outcome;
                    slot.complete(() -> rec.record(o, sent, System.nanoTime()), () -> {
                        if (o == Outcome.GRANTED) {
                            afterWin(item[0]);
                        } else if (o.retried() && item[1] > 1) {
                            grabQueue.add(new long[] {item[0], item[1] - 1});
                        } else {
                            done.countDown();
                        }
                    });
                }
            });
        }
        if (!slots.drain(deadlineNanos)) {
            throw stuck("grabs still unanswered after every shopper was done", slots);
        }
        if (slots.completionFailures() > 0) {
            throw stuck("grab completions threw", slots);
        }
    }

    private String state(GrabSlots slots) {
        return slots.describe() + "; " + grabsSent.get() + " grabs sent, " + grabQueue.size() + " queued; "
                + done.getCount() + " shoppers not done; " + outstanding.get() + " reads outstanding";
    }

    private IllegalStateException stuck(String what, GrabSlots slots) {
        return new IllegalStateException("sale page failed: " + what + " by its deadline (deadline-seconds): " + state(slots));
    }

    /** The winner's wallet, then (after its answer) the coupons it could use on an order. */
    private void afterWin(long user) {
        read(wallet, System.nanoTime(), (stub, r) -> stub.getUserCoupons(
                GetUserCouponsRequest.newBuilder().setUserId(user).build(), r.observer()), v -> {
                    if (v != null && ((UserCouponsResponse) v).getCouponsCount() > 0) {
                        walletShowedWin.incrementAndGet();
                    }
                    read(available, System.nanoTime(), (stub, r) -> stub.getAvailableCouponsForOrder(
                            ReadRuns.ORDER.clone().setUserId(user).build(), r.observer()), x -> done.countDown());
                });
    }

    /** A template and a started sale of {@code stock} coupons opening at {@code opens}: {activity, template}. */
    private long[] createSale(int stock, Instant opens) throws Exception {
        String admin = args.get("admin");
        String token = args.get("token");
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        long template = json.readTree(post(http, admin + "/api/v1/templates", token,
                "{\"name\":\"sale page\",\"type\":\"FULL_CUT\",\"discount_amount_cents\":500,\"total_count\":" + stock
                        + ",\"valid_days\":30}")).path("id").asLong();
        long activity = json.readTree(post(http, admin + "/api/v1/activities", token, "{\"template_id\":" + template
                + ",\"name\":\"sale page\",\"total_count\":" + stock + ",\"per_user_limit\":1,\"start_time\":\"" + opens
                + "\",\"end_time\":\"" + opens.plus(3, ChronoUnit.HOURS) + "\"}")).path("id").asLong();
        post(http, admin + "/api/v1/activities/" + activity + "/start", token, "");
        return new long[] {activity, template};
    }

    private static String post(HttpClient http, String url, String token, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
