package io.flashcoupon.bench.mqclients;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compares the two RocketMQ clients on the hot path's transaction (half message + local work + commit)
 * against a running name server + broker (and a proxy in cluster mode for the gRPC client).
 *
 * <pre>
 * TxClientComparison namesrv=127.0.0.1:29876 proxy=127.0.0.1:28081 cp-remoting=... cp-grpc=...
 *     [threads=64] [warmup-s=30] [seconds=20] [rounds=3] [topic=mq-clients-probe] [tag=MqClientsProbe]
 *     [logs=dir] [out=file.json] [worker-heap=512m]
 * </pre>
 *
 * Runs on the remoting class path (it creates the probe topic, TRANSACTION type, with the remoting admin
 * requests), starts one worker JVM per client ({@link TxWorker}), warms both up, then measures them in
 * alternation, remoting, grpc, remoting, grpc, ... so that the noise of a shared machine falls on both
 * alike; reports per round and the median of the rounds, and the ratio remoting/grpc of the medians.
 */
public final class TxClientComparison {
    private static final String[] METRICS = {"tx_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms"};

    private TxClientComparison() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("threads", "64", "warmup-s", "30", "seconds", "20",
                "rounds", "3", "topic", "mq-clients-probe", "tag", "MqClientsProbe", "logs", ".",
                "worker-heap", "512m"));
        for (String arg : argv) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got " + arg);
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        for (String required : List.of("namesrv", "proxy", "cp-remoting", "cp-grpc")) {
            if (!a.containsKey(required)) {
                throw new IllegalArgumentException(required + "= is required");
            }
        }
        int threads = Integer.parseInt(a.get("threads"));
        int rounds = Integer.parseInt(a.get("rounds"));
        String topic = a.get("topic");

        ProbeTopic.ensureTransactionTopic(a.get("namesrv"), topic, 8, 60_000);
        System.err.println("probe topic " + topic + " (TRANSACTION, 8 queues) ready");

        Path logs = Path.of(a.get("logs"));
        Files.createDirectories(logs);
        Worker remoting = new Worker("remoting", a.get("cp-remoting"), a.get("namesrv"), topic, a.get("tag"), threads,
                a.get("worker-heap"), logs);
        Worker grpc = new Worker("grpc", a.get("cp-grpc"), a.get("proxy"), topic, a.get("tag"), threads,
                a.get("worker-heap"), logs);
        List<Worker> order = List.of(remoting, grpc);
        Map<String, List<String>> results = new LinkedHashMap<>();
        List<String> warmups = new ArrayList<>();
        try {
            for (Worker w : order) {
                w.awaitReady();
            }
            for (Worker w : order) {
                System.err.printf("warm-up %s %ss%n", w.kind, a.get("warmup-s"));
                warmups.add(w.run("warmup", a.get("warmup-s")));
            }
            for (int r = 1; r <= rounds; r++) {
                for (Worker w : order) {
                    String res = w.run("round-" + r, a.get("seconds"));
                    results.computeIfAbsent(w.kind, k -> new ArrayList<>()).add(res);
                    System.err.printf("round %d %-8s %8.0f tx/s  p50 %6.2f  p99 %6.2f ms  errors %.0f%n", r, w.kind,
                            Json.number(res, "tx_per_s"), Json.number(res, "p50_ms"), Json.number(res, "p99_ms"),
                            Json.number(res, "errors"));
                }
            }
        } finally {
            for (Worker w : order) {
                w.quit();
            }
        }

        Map<String, Map<String, Object>> medians = new LinkedHashMap<>();
        for (Worker w : order) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String metric : METRICS) {
                m.put(metric, median(results.get(w.kind), metric));
            }
            long errors = 0;
            for (String res : results.get(w.kind)) {
                errors += (long) Json.number(res, "errors");
            }
            m.put("errors_total", errors);
            m.put("client", w.description);
            medians.put(w.kind, m);
        }
        double ratio = TxWorker.round((double) medians.get("remoting").get("tx_per_s")
                / (double) medians.get("grpc").get("tx_per_s"), 2);

        StringBuilder table = new StringBuilder();
        table.append(String.format("%n%-10s %10s %8s %8s %8s %8s %7s%n", "client", "tx/s", "p50 ms", "p90 ms",
                "p99 ms", "max ms", "errors"));
        for (Worker w : order) {
            Map<String, Object> m = medians.get(w.kind);
            table.append(String.format("%-10s %10.0f %8.2f %8.2f %8.2f %8.2f %7d%n", w.kind, m.get("tx_per_s"),
                    m.get("p50_ms"), m.get("p90_ms"), m.get("p99_ms"), m.get("max_ms"), m.get("errors_total")));
        }
        table.append(String.format("medians of %d alternating rounds of %ss, %d threads each; remoting/grpc tx/s = %.2f%n",
                rounds, a.get("seconds"), threads, ratio));
        System.out.print(table);

        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"date\": ").append(Json.str(Instant.now().toString())).append(",\n");
        json.append("  \"threads\": ").append(threads).append(",\n");
        json.append("  \"warmup_s\": ").append(a.get("warmup-s")).append(",\n");
        json.append("  \"seconds\": ").append(a.get("seconds")).append(",\n");
        json.append("  \"rounds\": ").append(rounds).append(",\n");
        json.append("  \"body_bytes\": ").append(TxWorker.BODY_BYTES).append(",\n");
        json.append("  \"topic\": ").append(Json.str(topic + " (TRANSACTION)")).append(",\n");
        json.append("  \"namesrv\": ").append(Json.str(a.get("namesrv"))).append(",\n");
        json.append("  \"proxy\": ").append(Json.str(a.get("proxy") + " (cluster mode)")).append(",\n");
        json.append("  \"cores\": ").append(Runtime.getRuntime().availableProcessors()).append(",\n");
        json.append("  \"transaction\": ").append(Json.str("begin + synchronous half message + local work (COMMIT)"
                + " + commit (not awaited by either client)")).append(",\n");
        json.append("  \"median\": ").append(Json.value(medians)).append(",\n");
        json.append("  \"ratio_remoting_over_grpc_tx_per_s\": ").append(ratio).append(",\n");
        json.append("  \"warmups\": [\n    ").append(String.join(",\n    ", warmups)).append("\n  ],\n");
        json.append("  \"rounds_raw\": [\n    ");
        List<String> all = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (Worker w : order) {
                all.add(results.get(w.kind).get(r));
            }
        }
        json.append(String.join(",\n    ", all)).append("\n  ]\n}\n");
        if (a.containsKey("out")) {
            Path out = Path.of(a.get("out"));
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.writeString(out, json);
            System.err.println("wrote " + out);
        } else {
            System.out.print(json);
        }
    }

    private static double median(List<String> results, String metric) {
        double[] v = results.stream().mapToDouble(r -> Json.number(r, metric)).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : TxWorker.round((v[n / 2 - 1] + v[n / 2]) / 2, 2);
    }

    /** A worker JVM and its line protocol. */
    private static final class Worker {
        final String kind;
        final Process process;
        final BufferedReader out;
        final Writer in;
        String description = "";

        Worker(String kind, String classPath, String target, String topic, String tag, int threads, String heap,
               Path logs) throws IOException {
            this.kind = kind;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path home = logs.resolve(kind + "-home").toAbsolutePath();
            Files.createDirectories(home);
            List<String> cmd = new ArrayList<>(Arrays.asList(java, "-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC",
                    "-Duser.home=" + home, "-Drocketmq.client.logRoot=" + home.resolve("logs"),
                    "-cp", classPath, TxWorker.class.getName(), kind, target, topic, tag, Integer.toString(threads)));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectError(logs.resolve(kind + "-worker.log").toFile());
            this.process = pb.start();
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        void awaitReady() throws IOException {
            String line = expect("READY ");
            description = line.substring("READY ".length()).replaceAll("^\"|\"$", "");
            System.err.println(kind + ": " + description);
        }

        String run(String label, String seconds) throws IOException {
            in.write("run " + label + " " + seconds + "\n");
            in.flush();
            return expect(TxWorker.RESULT_PREFIX).substring(TxWorker.RESULT_PREFIX.length());
        }

        private String expect(String prefix) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new IOException(kind + " worker ended (exit " + exitCode() + "); see its worker.log");
        }

        private String exitCode() {
            try {
                return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "?";
            }
        }

        void quit() {
            try {
                in.write("quit\n");
                in.flush();
            } catch (IOException ignored) {
                // already gone
            }
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

}
