package io.flashcoupon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator of scripts/bench, with async grpc-java stubs.
 *
 * <p>{@code sale}: a realistic sale in closed loop - every user tries up to {@code attempts} times
 * (stopping once granted or told the limit is reached), {@code concurrency} grabs in flight.
 * {@code open}: a fixed arrival rate for a duration, latency measured from each request's intended
 * send time, so a stalled server is charged for the requests it delayed (no coordinated omission).
 *
 * {@code reads}: the standalone read runs, each RPC alone in closed loop ({@link ReadRuns}).
 * {@code page}: the sale-page workload of shoppers ({@link SalePage}).
 *
 * <p>Usage: {@code LoadGenerator sale|open|reads|page key=value...}; keys: target (host:port, or a comma-separated
 * list of ingress instances, each given {@code channels} channels, called round robin), activity, users, user-offset,
 * attempts, concurrency, rate, seconds, channels, out (JSON file), grants-out (coupon_sn,grant ms,user),
 * warmup-activity (a sold-out sale), warmup-seconds (5), on-start (a shell command run after the warm-up,
 * before the measured run); the keys of reads and page are in their classes.
 *
 * <p>Warm-up: a fresh JVM spends its first seconds compiling the gRPC client; on this 2-core box the
 * generator's C2 thread took 41-45 % of a core during a sale's grant phase (60 % of the generator's
 * CPU), taken from the service it measures. With {@code warmup-activity}, the generator first grabs
 * for {@code warmup-seconds} on that sold-out sale (answered from the ingress' local sold-out flag,
 * no Redis, no broker), unrecorded, so the measured phase runs on compiled client code.
 */
public final class LoadGenerator {
    private final Map<String, String> args;
    private final List<CouponGrpc.CouponStub> stubs = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    private LoadGenerator(Map<String, String> args) {
        this.args = args;
        int n = Integer.parseInt(get("channels", "2"));
        // target=host:port[,host:port...]: calls go round robin over every channel of every instance, as
        // a gateway spreading over a static list of ingress instances would
        for (int i = 0; i < n; i++) {
            for (String instance : get("target", "127.0.0.1:9090").split(",")) {
                String[] target = instance.trim().split(":");
                ManagedChannel ch = NettyChannelBuilder.forAddress(target[0], Integer.parseInt(target[1]))
                        .usePlaintext().flowControlWindow(1 << 20)
                        // callbacks only count and release a permit: run them on the event loop that
                        // read the reply instead of handing each one to a pooled thread
                        .directExecutor().build();
                channels.add(ch);
                stubs.add(CouponGrpc.newStub(ch));
            }
        }
    }

    private String get(String key, String def) {
        return args.getOrDefault(key, def);
    }

    private long num(String key, long def) {
        return Long.parseLong(get(key, Long.toString(def)));
    }

    private CouponGrpc.CouponStub stub() {
        return stubs.get(Math.floorMod(next.getAndIncrement(), stubs.size()));
    }

    /** Unrecorded grabs on a sold-out sale for warmup-seconds, 128 in flight (see the class comment). */
    private void warmUp() throws InterruptedException {
        String activity = args.get("warmup-activity");
        if (activity == null) {
            return;
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(num("warmup-seconds", 5));
        Semaphore window = new Semaphore(128);
        long user = 990_000_000L;
        while (System.nanoTime() < until) {
            window.acquire();
            FlashSaleRequest req = FlashSaleRequest.newBuilder().setActivityId(Long.parseLong(activity))
                    .setUserId(user++).build();
            stub().withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(req, new StreamObserver<>() {
                @Override
                public void onNext(FlashSaleResponse r) {}

                @Override
                public void onError(Throwable t) {
                    window.release();
                }

                @Override
                public void onCompleted() {
                    window.release();
                }
            });
        }
        window.acquire(128);
    }

    /** Closed loop over a population of users, each trying up to `attempts` times. */
    private Map<String, Object> sale() throws Exception {
        long activity = num("activity", 1);
        int users = (int) num("users", 200_000);
        long offset = num("user-offset", 1);
        int attempts = (int) num("attempts", 3);
        int concurrency = (int) num("concurrency", 256);
        List<Long> order = new ArrayList<>(users);
        for (int i = 0; i < users; i++) {
            order.add(offset + i);
        }
        Collections.shuffle(order, new Random(42));
        ConcurrentLinkedQueue<long[]> work = new ConcurrentLinkedQueue<>();
        order.forEach(u -> work.add(new long[] {u, attempts}));
        Map<String, long[]> granted = new ConcurrentHashMap<>();
        // what the answers counted as ERROR were: a grab code or a gRPC status, with a few descriptions
        Map<String, java.util.concurrent.atomic.AtomicLong> errors = new ConcurrentHashMap<>();
        Map<String, String> errorSamples = new ConcurrentHashMap<>();
        Semaphore window = new Semaphore(concurrency);
        AtomicInteger inFlight = new AtomicInteger();
        long start = System.nanoTime();
        Recorder rec = new Recorder(start);
        while (true) {
            long[] item = work.poll();
            if (item == null) {
                if (inFlight.get() == 0 && work.isEmpty()) {
                    break;
                }
                LockSupport.parkNanos(100_000);
                continue;
            }
            window.acquire();
            inFlight.incrementAndGet();
            long sent = System.nanoTime();
            FlashSaleRequest req = FlashSaleRequest.newBuilder().setActivityId(activity).setUserId(item[0])
                    .setRequestId("b" + item[0]).build();
            stub().withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(req, new StreamObserver<>() {
                private Outcome outcome;

                @Override
                public void onNext(FlashSaleResponse r) {
                    outcome = Outcome.of(r);
                    if (outcome == Outcome.GRANTED) {
                        granted.put(r.getCouponSn(), new long[] {System.currentTimeMillis(), item[0]});
                    } else if (outcome == Outcome.ERROR) {
                        errors.computeIfAbsent("code " + r.getCode(), k -> new java.util.concurrent.atomic.AtomicLong())
                                .incrementAndGet();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    outcome = Outcome.of(t);
                    io.grpc.Status st = io.grpc.Status.fromThrowable(t);
                    String kind = "grpc " + st.getCode();
                    errors.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
                    errorSamples.putIfAbsent(kind, "user " + item[0] + ": " + st.getDescription());
                    onCompleted();
                }

                @Override
                public void onCompleted() {
                    rec.record(outcome, sent, System.nanoTime());
                    if (outcome.retried() && item[1] > 1) {
                        work.add(new long[] {item[0], item[1] - 1});
                    }
                    inFlight.decrementAndGet();
                    window.release();
                }
            });
        }
        Map<String, Object> summary = rec.summary("sale");
        summary.put("users", users);
        summary.put("attempts_per_user", attempts);
        summary.put("concurrency", concurrency);
        summary.put("granted_distinct", granted.size());
        Map<String, Long> errorCounts = new java.util.TreeMap<>();
        errors.forEach((k, v) -> errorCounts.put(k, v.get()));
        summary.put("errors_by_kind", errorCounts);
        summary.put("error_samples", new java.util.TreeMap<>(errorSamples));
        String grantsOut = args.get("grants-out");
        if (grantsOut != null) {
            StringBuilder sb = new StringBuilder();
            granted.forEach((sn, v) -> sb.append(sn).append(',').append(v[0]).append(',').append(v[1]).append('\n'));
            Files.writeString(Path.of(grantsOut), sb);
        }
        return summary;
    }

    /** Open loop: `rate` requests per second for `seconds`, each from a new user. */
    private Map<String, Object> open() throws Exception {
        long activity = num("activity", 1);
        long offset = num("user-offset", 10_000_000);
        double rate = Double.parseDouble(get("rate", "1000"));
        long seconds = num("seconds", 10);
        long total = (long) (rate * seconds);
        long intervalNanos = (long) (1e9 / rate);
        int maxOutstanding = (int) num("max-outstanding", 20_000);
        Semaphore outstanding = new Semaphore(maxOutstanding);
        AtomicInteger dropped = new AtomicInteger();
        long start = System.nanoTime();
        Recorder rec = new Recorder(start);
        for (long i = 0; i < total; i++) {
            long intended = start + i * intervalNanos;
            long now;
            while ((now = System.nanoTime()) < intended) {
                LockSupport.parkNanos(Math.min(intended - now, 200_000));
            }
            if (!outstanding.tryAcquire()) {
                // The generator itself is saturated: count it as an error at its intended time.
                dropped.incrementAndGet();
                rec.record(Outcome.ERROR, intended, System.nanoTime());
                continue;
            }
            FlashSaleRequest req = FlashSaleRequest.newBuilder().setActivityId(activity).setUserId(offset + i).build();
            stub().withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(req, new StreamObserver<>() {
                private Outcome outcome;

                @Override
                public void onNext(FlashSaleResponse r) {
                    outcome = Outcome.of(r);
                }

                @Override
                public void onError(Throwable t) {
                    outcome = Outcome.of(t);
                    onCompleted();
                }

                @Override
                public void onCompleted() {
                    rec.record(outcome, intended, System.nanoTime());
                    outstanding.release();
                }
            });
        }
        outstanding.acquire(maxOutstanding);
        Map<String, Object> summary = rec.summary("open");
        summary.put("target_rate", rate);
        summary.put("generator_dropped", dropped.get());
        return summary;
    }

    private void close() throws InterruptedException {
        for (ManagedChannel ch : channels) {
            ch.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1 || !java.util.Set.of("sale", "open", "reads", "page").contains(argv[0])) {
            System.err.println("usage: LoadGenerator sale|open|reads|page key=value...");
            System.exit(2);
        }
        Map<String, String> args = new HashMap<>();
        for (int i = 1; i < argv.length; i++) {
            int eq = argv[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("argument '" + argv[i] + "' is not key=value");
                System.exit(2);
            }
            args.put(argv[i].substring(0, eq), argv[i].substring(eq + 1));
        }
        LoadGenerator gen = new LoadGenerator(args);
        gen.warmUp();
        String onStart = args.get("on-start");
        if (onStart != null) { // e.g. scripts/proc-cpu snap: a measurement window that leaves out the warm-up
            int rc = new ProcessBuilder("sh", "-c", onStart).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("on-start command exited with " + rc + ": " + onStart);
            }
        }
        Map<String, Object> summary;
        try {
            summary = switch (argv[0]) {
                case "sale" -> gen.sale();
                case "open" -> gen.open();
                case "reads" -> new ReadRuns(gen::stub, args).run();
                default -> new SalePage(gen::stub, args).run();
            };
        } catch (IllegalStateException e) {
            // a run that cannot finish says why and exits non-zero: scripts/bench stops instead of hanging
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        gen.close();
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        String text = json.writeValueAsString(summary);
        String out = args.get("out");
        if (out != null) {
            Files.writeString(Path.of(out), text);
        }
        Map<String, Object> brief = new java.util.LinkedHashMap<>(summary);
        brief.remove("timeline");
        System.out.println(json.writeValueAsString(brief));
    }
}
