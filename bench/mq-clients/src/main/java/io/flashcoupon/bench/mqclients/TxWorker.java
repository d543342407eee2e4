package io.flashcoupon.bench.mqclients;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One client in a JVM of its own (the two clients' class paths must not meet): started by
 * {@link TxClientComparison} as {@code TxWorker remoting|grpc target topic tag threads}, it starts one
 * shared producer, then obeys lines on stdin - {@code run <label> <seconds>}: closed loop of
 * {@code threads} threads doing transactions for that long, answered by one {@code RESULT {json}} line on
 * stdout; {@code quit}: shut down. Between runs the threads are gone, so the idle client costs only its
 * heartbeats while the other one is measured. Diagnostics go to stderr.
 */
public final class TxWorker {
    static final String RESULT_PREFIX = "RESULT ";
    static final int BODY_BYTES = 150; // a serialized CouponEvent(CouponGrabbed) is ~120-160 bytes

    private final TxClient client;
    private final int threads;
    private final AtomicLong seq = new AtomicLong();
    private final String keyPrefix = "probe-" + ProcessHandle.current().pid() + "-";

    private TxWorker(TxClient client, int threads) {
        this.client = client;
        this.threads = threads;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: TxWorker remoting|grpc <namesrv|proxy endpoint> <topic> <tag> <threads>");
            System.exit(2);
        }
        TxClient client = switch (args[0]) {
            case "remoting" -> new RemotingTx(args[1], args[2], args[3]);
            case "grpc" -> new GrpcTx(args[1], args[2], args[3]);
            default -> throw new IllegalArgumentException("unknown client " + args[0]);
        };
        // Client libraries log to stdout now and then: keep stdout for the protocol only.
        PrintStream protocol = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(System.err);
        TxWorker worker = new TxWorker(client, Integer.parseInt(args[4]));
        client.start();
        protocol.println("READY " + Json.str(client.describe()));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] cmd = line.trim().split("\\s+");
            if (cmd[0].equals("run") && cmd.length == 3) {
                protocol.println(RESULT_PREFIX + Json.obj(worker.run(cmd[1], Double.parseDouble(cmd[2]))));
            } else if (cmd[0].equals("quit")) {
                break;
            } else if (!cmd[0].isEmpty()) {
                System.err.println("TxWorker: unknown command " + line);
            }
        }
        client.close();
        System.exit(0);
    }

    private Map<String, Object> run(String label, double seconds) throws InterruptedException {
        Recorder recorder = new Recorder(3_600_000_000L, 3); // microseconds, up to an hour
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        byte[] template = new byte[BODY_BYTES];
        for (int i = 0; i < template.length; i++) {
            template[i] = (byte) ('a' + i % 26);
        }
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < end) {
                    String key = keyPrefix + seq.incrementAndGet();
                    byte[] body = template.clone();
                    byte[] k = key.getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(k, 0, body, 0, Math.min(k.length, body.length));
                    long t0 = System.nanoTime();
                    try {
                        client.transact(key, body);
                        recorder.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                        try {
                            Thread.sleep(1); // no hot spin against a broker that refuses
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
            }, client.name() + "-tx-" + t);
            workers.add(thread);
            thread.start();
        }
        for (Thread thread : workers) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Histogram h = recorder.getIntervalHistogram();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("client", client.name());
        r.put("label", label);
        r.put("threads", threads);
        r.put("seconds", round(elapsed, 2));
        r.put("transactions", h.getTotalCount());
        r.put("errors", errors.get());
        r.put("tx_per_s", round(h.getTotalCount() / elapsed, 1));
        r.put("p50_ms", ms(h, 50));
        r.put("p90_ms", ms(h, 90));
        r.put("p99_ms", ms(h, 99));
        r.put("max_ms", round(h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0, 2));
        if (firstError.get() != null) {
            r.put("first_error", firstError.get());
        }
        return r;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : round(h.getValueAtPercentile(percentile) / 1000.0, 2);
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
