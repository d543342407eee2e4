package io.flashcoupon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Turns the raw files of one scripts/bench run (dir) into bench/results/latest.{json,md,png}:
 * medians of the sale runs, the ceiling ratio from the same run, the open-loop p99 at 80 % of the
 * max rate, the ghz cross-check, materialization lag and the invariant checks, the standalone read
 * runs and the sale page ({@link ReadReport}), and the idle CPU of the all-in-one process
 * (scripts/idle-cpu), each target marked met or missed.
 *
 * <p>Usage: {@code ReportWriter <raw dir> <results dir>}
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Path raw = Path.of(args[0]);
        Path results = Path.of(args[1]);
        Files.createDirectories(results);
        List<JsonNode> sales = new ArrayList<>();
        List<JsonNode> checks = new ArrayList<>();
        for (int i = 1; Files.exists(raw.resolve("sale-" + i + ".json")); i++) {
            sales.add(JSON.readTree(raw.resolve("sale-" + i + ".json").toFile()));
            checks.add(JSON.readTree(raw.resolve("check-" + i + ".json").toFile()));
        }
        JsonNode ceiling = read(raw.resolve("ceiling.json"));
        JsonNode open = read(raw.resolve("open.json"));
        JsonNode ghz = read(raw.resolve("ghz.json"));
        JsonNode openGrants = read(raw.resolve("open-grants.json"));
        JsonNode env = read(raw.resolve("env.json"));
        JsonNode profile = read(raw.resolve("profile.json"));
        JsonNode mqClients = read(raw.resolve("mq-clients.json"));
        JsonNode reads = read(raw.resolve("reads.json"));
        JsonNode page = read(raw.resolve("page.json"));
        JsonNode pageCheck = read(raw.resolve("check-page.json"));
        JsonNode idleCpu = read(raw.resolve("idle-cpu.json"));
        JsonNode grantCpu = read(raw.resolve("grant-cpu.json"));

        ObjectNode report = JSON.createObjectNode();
        report.set("environment", env);
        report.set("ceiling", ceiling);
        ArrayNode runs = report.putArray("sale_runs");
        List<Double> rps = new ArrayList<>();
        List<Double> stockGrantRate = new ArrayList<>();
        List<Double> grantP99 = new ArrayList<>();
        List<Double> lagP50 = new ArrayList<>();
        List<Double> lagP99 = new ArrayList<>();
        List<Double> soldOutPhase = new ArrayList<>();
        int violations = 0;
        for (int i = 0; i < sales.size(); i++) {
            JsonNode s = sales.get(i);
            JsonNode c = checks.get(i);
            ObjectNode run = runs.addObject();
            run.put("requests", s.path("requests").asLong());
            run.put("requests_per_s", s.path("requests_per_s").asDouble());
            run.set("outcomes", s.path("outcomes"));
            run.set("latency_ms", s.path("latency_ms"));
            double sellOut = secondsToSellOut(s, c.path("total").asLong());
            double rate = sellOut > 0 ? c.path("total").asLong() / sellOut : 0;
            run.put("seconds_to_sell_out", sellOut);
            run.put("grants_per_s_while_stock_lasts", Recorder.round(rate));
            run.set("invariants", c);
            rps.add(s.path("requests_per_s").asDouble());
            stockGrantRate.add(rate);
            grantP99.add(s.path("latency_ms").path("granted").path("p99").asDouble());
            lagP50.add(c.path("materialization_lag").path("p50_ms").asDouble());
            lagP99.add(c.path("materialization_lag").path("p99_ms").asDouble());
            soldOutPhase.add(ReadReport.soldOutPhaseRate(s));
            violations += c.path("violations").size();
        }
        double ceilingP1 = ceiling.path("evalsha_p1_ops_per_s").asDouble();
        ObjectNode medians = report.putObject("medians");
        medians.put("requests_per_s", median(rps));
        medians.put("grants_per_s_while_stock_lasts", median(stockGrantRate));
        medians.put("granted_p99_ms", median(grantP99));
        medians.put("materialization_lag_p50_ms", median(lagP50));
        medians.put("materialization_lag_p99_ms", median(lagP99));
        medians.put("ratio_service_to_ceiling_p1", ceilingP1 > 0 ? Recorder.round(median(rps) / ceilingP1) : 0);
        medians.put("invariant_violations", violations);
        report.set("open_loop", open);
        report.set("open_loop_grants", openGrants);
        report.set("ghz", ghz);
        report.set("profile", profile);
        report.set("mq_clients", mqClients);
        report.set("idle_cpu", idleCpu);
        report.set("grant_cpu", grantCpu);

        ArrayNode targets = report.putArray("targets");
        grabTargets(targets, medians, median(rps), median(stockGrantRate), ceilingP1, open, openGrants,
                median(lagP99), violations);
        readTargets(report, targets, reads, page, pageCheck, soldOutPhase, stockGrantRate, grantP99);
        if (idleCpu.has("process_pct_of_core")) {
            double idlePct = idleCpu.path("process_pct_of_core").asDouble();
            double idleGoal = idleCpu.path("target_pct").asDouble(5);
            target(targets, "idle CPU of the all-in-one process over " + idleCpu.path("seconds").asInt()
                    + " s, % of one core", "<= " + idleCpu.path("target_pct").asText("5"), idlePct <= idleGoal, idlePct);
        }

        Files.writeString(results.resolve("latest.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        Files.writeString(results.resolve("latest.md"), markdown(report));
        if (!sales.isEmpty()) {
            chart(sales.get(sales.size() / 2), results.resolve("latest.png").toFile());
        }
        System.out.println(markdown(report));
    }

    /**
     * Issue 12's targets for the grab path: grants/s while stock lasts (>= 8,000 and >= 0.4 x the
     * EVALSHA ceiling -P 1 of the same run), granted p99 <= 50 ms in the open loop of grants at 80 % of
     * the max grant rate, whole-sale requests/s >= 25,000, materialization lag p99 <= 1 s, no violation;
     * and the open loop at 80 % of the max request rate (all answers) for reference.
     */
    static void grabTargets(ArrayNode targets, ObjectNode medians, double rps, double grantsPerS, double ceilingP1,
            JsonNode open, JsonNode openGrants, double lagP99, int violations) {
        double grantRatio = ceilingP1 > 0 ? Recorder.round(grantsPerS / ceilingP1) : 0;
        medians.put("ratio_grants_to_ceiling_p1", grantRatio);
        target(targets, "grants/s while stock lasts (median)", ">= 8000", grantsPerS >= 8_000, grantsPerS);
        target(targets, "grants/s while stock lasts : ceiling EVALSHA ops/s (-P 1)", ">= 0.4", grantRatio >= 0.4,
                grantRatio);
        double grantOpenP99 = openGrants.path("latency_ms").path("granted").path("p99").asDouble(Double.NaN);
        target(targets, "open loop of grants at 80% of the max grant rate (" + openGrants.path("target_rate").asInt()
                + "/s): p99 of granted grabs", "<= 50 ms", grantOpenP99 <= 50, grantOpenP99);
        double grantRate = openGrants.path("grants_per_s").asDouble();
        double asked = openGrants.path("target_rate").asDouble();
        target(targets, "open loop of grants: grants/s : rate asked", ">= 0.95", asked > 0 && grantRate / asked >= 0.95,
                asked > 0 ? Recorder.round(grantRate / asked) : 0);
        target(targets, "whole-sale grab requests/s (median)", ">= 25000", rps >= 25_000, rps);
        double openP99 = open.path("latency_ms").path("all").path("p99").asDouble();
        target(targets, "p99 of all answers at 80% of the max request rate (open loop)", "<= 50 ms", openP99 <= 50,
                openP99);
        target(targets, "materialization lag p99 (median)", "<= 1000 ms", lagP99 <= 1000, lagP99);
        target(targets, "invariant violations", "0", violations == 0, violations);
    }

    /** The issue-13 sections (standalone reads, sale page) and their targets, when those runs were made. */
    static void readTargets(ObjectNode report, ArrayNode targets, JsonNode reads, JsonNode page, JsonNode pageCheck,
            List<Double> soldOutPhase, List<Double> onlyGrantsPerS, List<Double> onlyGrantedP99) {
        ObjectNode readsSection = report.putObject("reads");
        readsSection.set("raw", reads);
        ArrayNode rows = ReadReport.judgeReads(reads);
        readsSection.set("rows", rows);
        readsSection.put("sold_out_phase_of_sales_per_s", median(soldOutPhase));
        for (JsonNode r : rows) {
            target(targets, r.path("rpc").asText() + " alone: per s (p99 " + r.path("p99_ms").asText() + " ms, "
                    + r.path("ratio_to_sold_out_grab").asText() + " x sold-out grab rate)", r.path("goal").asText(),
                    r.path("met").asBoolean(), r.path("per_s").asDouble());
        }
        ObjectNode pageSection = report.putObject("sale_page");
        if (!page.has("grabs")) {
            return;
        }
        ObjectNode brief = page.deepCopy();
        ((ObjectNode) brief.path("grabs")).remove("timeline");
        brief.path("reads").forEach(r -> ((ObjectNode) r).remove("timeline_s_answers_max_ms")); // in page.json
        pageSection.set("raw", brief);
        JsonNode grabs = page.path("grabs");
        long stock = pageCheck.path("total").asLong(page.path("stock").asLong());
        double sellOut = secondsToSellOut(grabs, stock);
        double rate = sellOut > 0 ? Recorder.round(stock / sellOut) : 0;
        ObjectNode c = ReadReport.compareGrabs(rate, grabs.path("latency_ms").path("granted").path("p99").asDouble(),
                onlyGrantsPerS, onlyGrantedP99);
        pageSection.set("grabs_vs_grab_only", c);
        pageSection.set("invariants", pageCheck);
        target(targets, "sale page: grants/s while stock lasts (grab-only median " + c.path("grab_only_median_grants_per_s").asText()
                + ")", ">= " + c.path("grants_per_s_floor").asText(), c.path("grants_met").asBoolean(), rate);
        target(targets, "sale page: granted p99 ms (grab-only median " + c.path("grab_only_median_granted_p99_ms").asText() + ")",
                "<= " + c.path("granted_p99_ceiling_ms").asText(), c.path("p99_met").asBoolean(),
                c.path("granted_p99_ms").asDouble());
        int pageViolations = pageCheck.has("ok") ? pageCheck.path("violations").size() : -1;
        target(targets, "sale page: invariant violations", "0", pageViolations == 0, pageViolations);
    }

    private static JsonNode read(Path p) throws Exception {
        return Files.exists(p) ? JSON.readTree(p.toFile()) : JSON.createObjectNode();
    }

    /** Seconds from the run's start until cumulative grants reached the stock. */
    static double secondsToSellOut(JsonNode sale, long stock) {
        double lastGrant = sale.path("last_grant_s").asDouble();
        if (lastGrant > 0 && sale.path("outcomes").path("granted").asLong() >= stock) {
            return lastGrant; // the last of the stock answered GRANTED (ms precision)
        }
        // older reports: whole seconds of the timeline, rounded up
        long cumulative = 0;
        for (JsonNode point : sale.path("timeline")) {
            cumulative += point.path("grants").asLong();
            if (cumulative >= stock) {
                return point.path("t").asInt() + 1;
            }
        }
        return sale.path("duration_s").asDouble();
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return Recorder.round(n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2);
    }

    static void target(ArrayNode targets, String what, String goal, boolean met, double value) {
        ObjectNode t = targets.addObject();
        t.put("target", what);
        t.put("goal", goal);
        t.put("value", value);
        t.put("met", met);
    }

    static String markdown(JsonNode r) {
        StringBuilder md = new StringBuilder("# Benchmark report\n\n");
        md.append("Environment: `").append(r.path("environment")).append("`\n\n");
        md.append("| target | goal | measured | met |\n| --- | --- | --- | --- |\n");
        for (JsonNode t : r.path("targets")) {
            md.append("| ").append(t.path("target").asText()).append(" | ").append(t.path("goal").asText())
                    .append(" | ").append(t.path("value").asText()).append(" | ")
                    .append(t.path("met").asBoolean() ? "yes" : "**no**").append(" |\n");
        }
        md.append("\n## Ceiling (redis-benchmark, the grab script by EVALSHA, same run)\n\n`")
                .append(r.path("ceiling")).append("`\n\n## Sale runs\n\n");
        md.append("| run | requests | req/s | granted | sold out | limit | shed | error | s to sell out | grants/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | granted p99 ms | lag p50/p99 ms | invariants |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        int i = 1;
        for (JsonNode run : r.path("sale_runs")) {
            JsonNode o = run.path("outcomes");
            JsonNode all = run.path("latency_ms").path("all");
            JsonNode inv = run.path("invariants");
            md.append("| ").append(i++).append(" | ").append(run.path("requests").asText()).append(" | ")
                    .append(run.path("requests_per_s").asText()).append(" | ").append(o.path("granted").asText())
                    .append(" | ").append(o.path("sold_out").asText()).append(" | ").append(o.path("limit").asText())
                    .append(" | ").append(o.path("shed").asText()).append(" | ").append(o.path("error").asText())
                    .append(" | ").append(run.path("seconds_to_sell_out").asText()).append(" | ")
                    .append(run.path("grants_per_s_while_stock_lasts").asText()).append(" | ")
                    .append(all.path("p50").asText()).append(" | ").append(all.path("p90").asText()).append(" | ")
                    .append(all.path("p99").asText()).append(" | ").append(all.path("p999").asText()).append(" | ")
                    .append(all.path("max").asText()).append(" | ")
                    .append(run.path("latency_ms").path("granted").path("p99").asText()).append(" | ")
                    .append(inv.path("materialization_lag").path("p50_ms").asText()).append('/')
                    .append(inv.path("materialization_lag").path("p99_ms").asText()).append(" | ")
                    .append(inv.path("ok").asBoolean() ? "ok" : "**" + inv.path("violations") + "**").append(" |\n");
        }
        md.append("\nLatency per outcome class (ms) of each run is in latest.json (`sale_runs[].latency_ms`).\n");
        md.append(ReadReport.markdown(r.path("reads"), r.path("sale_page")));
        md.append("\n## Open loop at 80% of the max rate\n\n`").append(brief(r.path("open_loop"))).append("`\n");
        md.append("\n## Open loop of grants only (every request a new user, stock never runs out)\n\n`")
                .append(brief(r.path("open_loop_grants"))).append("`\n");
        md.append(grantCpuSection(r.path("grant_cpu")));
        md.append("\n## ghz cross-check (fixed rate)\n\n`").append(r.path("ghz")).append("`\n");
        md.append(mqClientsSection(r.path("mq_clients")));
        md.append(idleCpuSection(r.path("idle_cpu")));
        md.append("\n## Where the service's CPU went (JFR execution samples, whole run)\n\n");
        md.append("| package (inclusive) | % of samples |\n| --- | --- |\n");
        for (JsonNode row : r.path("profile").path("top_packages_inclusive_pct")) {
            md.append("| ").append(row.get(0).asText()).append(" | ").append(row.get(1).asText()).append(" |\n");
        }
        md.append("\n| leaf frame | % of samples |\n| --- | --- |\n");
        for (JsonNode row : r.path("profile").path("top_leaf_frames")) {
            md.append("| ").append(row.get(0).asText()).append(" | ").append(row.get(1).asText()).append(" |\n");
        }
        md.append("\n![throughput and p99 over time](latest.png)\n");
        return md.toString();
    }

    /**
     * scripts/proc-cpu over the open loop of grants only: the CPU each process (and the service's busiest
     * thread groups) used per grant. "rest" is the box less the named processes: the load generator and
     * anything else that ran.
     */
    static String grantCpuSection(JsonNode cpu) {
        StringBuilder md = new StringBuilder("\n## Where a grant's CPU goes (open loop of grants only, by process)\n\n");
        if (!cpu.has("processes")) {
            return md.append("Not measured in this run (").append(cpu.path("error").asText("no grant-cpu.json"))
                    .append(").\n").toString();
        }
        md.append(cpu.path("work").asLong()).append(" grants in ").append(cpu.path("seconds").asText())
                .append(" s on ").append(cpu.path("cores").asText()).append(" cores (scripts/proc-cpu).\n\n")
                .append("| process | CPU s | % of one core | us of CPU per grant |\n| --- | --- | --- | --- |\n");
        cpu.path("processes").fields().forEachRemaining(e -> md.append("| ").append(e.getKey()).append(" | ")
                .append(e.getValue().path("cpu_s").asText()).append(" | ").append(e.getValue().path("pct_of_core").asText())
                .append(" | ").append(e.getValue().path("us_per_grant").asText()).append(" |\n"));
        md.append("\n| thread group of the ").append(cpu.path("threads_of").asText())
                .append(" | % of one core | us per grant |\n| --- | --- | --- |\n");
        for (JsonNode t : cpu.path("top_thread_groups")) {
            md.append("| ").append(t.path("name").asText()).append(" | ").append(t.path("pct_of_core").asText())
                    .append(" | ").append(t.path("us_per_grant").asText()).append(" |\n");
        }
        return md.toString();
    }

    /** scripts/bench-mq-clients' medians: the transactional send of each client, service idle. */
    static String mqClientsSection(JsonNode mq) {
        StringBuilder md = new StringBuilder("\n## RocketMQ client for the hot path\n\n");
        if (!mq.has("median")) {
            return md.append("Not measured in this run (").append(mq.path("error").asText("no mq-clients.json"))
                    .append(").\n").toString();
        }
        md.append("Transactional send (").append(mq.path("transaction").asText()).append("), ")
                .append(mq.path("threads").asText()).append(" threads, medians of ").append(mq.path("rounds").asText())
                .append(" alternating rounds of ").append(mq.path("seconds").asText())
                .append(" s after the sale runs, service idle (scripts/bench-mq-clients).\n\n");
        md.append("| client | tx/s | p50 ms | p90 ms | p99 ms | max ms | errors |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        mq.path("median").fields().forEachRemaining(e -> {
            JsonNode m = e.getValue();
            md.append("| ").append(m.path("client").asText(e.getKey())).append(" | ").append(m.path("tx_per_s").asText())
                    .append(" | ").append(m.path("p50_ms").asText()).append(" | ").append(m.path("p90_ms").asText())
                    .append(" | ").append(m.path("p99_ms").asText()).append(" | ").append(m.path("max_ms").asText())
                    .append(" | ").append(m.path("errors_total").asText()).append(" |\n");
        });
        md.append("\nremoting / gRPC tx/s: ").append(mq.path("ratio_remoting_over_grpc_tx_per_s").asText())
                .append(" (choice and reasons: docs/decisions.md)\n");
        return md.toString();
    }

    /** scripts/idle-cpu's figure: the whole process and its five busiest threads, no load. */
    static String idleCpuSection(JsonNode idle) {
        StringBuilder md = new StringBuilder("\n## Idle CPU of the all-in-one process\n\n");
        if (!idle.has("process_pct_of_core")) {
            return md.append("Not measured in this run (").append(idle.path("error").asText("no idle-cpu.json"))
                    .append(").\n").toString();
        }
        boolean met = idle.path("process_pct_of_core").asDouble() <= idle.path("target_pct").asDouble(5);
        md.append("idle CPU of the all-in-one process over ").append(idle.path("seconds").asText()).append(" s: ")
                .append(idle.path("process_pct_of_core").asText()).append(" % of one core (target <= ")
                .append(idle.path("target_pct").asText("5")).append(" %): ").append(met ? "met" : "**missed**")
                .append("\n\n");
        if (idle.has("jit_pct_of_core")) {
            md.append("Of which the JIT compiler threads: ").append(idle.path("jit_pct_of_core").asText())
                    .append(" %. Wake-ups of all threads: ").append(idle.path("wakeups_per_s").asText()).append("/s.\n\n");
        }
        md.append("| thread | % of one core |\n| --- | --- |\n");
        int n = 0;
        for (JsonNode t : idle.path("top_threads")) {
            if (n++ == 5) {
                break;
            }
            md.append("| ").append(t.path("name").asText()).append(" | ").append(t.path("pct_of_core").asText())
                    .append(" |\n");
        }
        md.append("\nA fresh process (every role, embedded broker and binlog reader), no sale, sampled from /proc ")
                .append(idle.path("settle_s").asText()).append(" s after /readyz (scripts/idle-cpu, before the load). ")
                .append(idle.path("warmup").asText()).append('\n'); // "start-up warm-up: ..." from the service log
        return md.toString();
    }

    private static JsonNode brief(JsonNode n) {
        if (n instanceof ObjectNode o) {
            ObjectNode copy = o.deepCopy();
            copy.remove("timeline");
            return copy;
        }
        return n;
    }

    /** Requests/s and p99 per second of one sale run. */
    private static void chart(JsonNode sale, File out) throws Exception {
        int w = 1000;
        int h = 480;
        int left = 70;
        int right = 70;
        int top = 40;
        int bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        List<long[]> pts = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        long maxReq = 1;
        double maxP99 = 1;
        for (JsonNode p : sale.path("timeline")) {
            pts.add(new long[] {p.path("t").asLong(), p.path("requests").asLong(), p.path("grants").asLong()});
            p99.add(p.path("p99_ms").asDouble());
            maxReq = Math.max(maxReq, p.path("requests").asLong());
            maxP99 = Math.max(maxP99, p.path("p99_ms").asDouble());
        }
        int n = Math.max(1, pts.size());
        double xs = (w - left - right) / (double) n;
        g.setColor(Color.LIGHT_GRAY);
        g.drawRect(left, top, w - left - right, h - top - bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < pts.size(); i++) {
            long[] p = pts.get(i);
            int x = (int) (left + i * xs);
            int yr = (int) (h - bottom - (h - top - bottom) * (p[1] / (double) maxReq));
            int yg = (int) (h - bottom - (h - top - bottom) * (p[2] / (double) maxReq));
            g.setColor(new Color(70, 130, 180));
            g.fillRect(x, yr, Math.max(1, (int) xs - 1), h - bottom - yr);
            g.setColor(new Color(46, 160, 67));
            g.fillRect(x, yg, Math.max(1, (int) xs - 1), h - bottom - yg);
        }
        g.setColor(new Color(200, 40, 40));
        g.setStroke(new BasicStroke(2f));
        for (int i = 1; i < p99.size(); i++) {
            int x1 = (int) (left + (i - 1) * xs + xs / 2);
            int x2 = (int) (left + i * xs + xs / 2);
            int y1 = (int) (h - bottom - (h - top - bottom) * (p99.get(i - 1) / maxP99));
            int y2 = (int) (h - bottom - (h - top - bottom) * (p99.get(i) / maxP99));
            g.drawLine(x1, y1, x2, y2);
        }
        g.setColor(Color.BLACK);
        g.drawString("requests/s (blue), grants/s (green), left axis max " + maxReq
                + "; p99 ms (red), right axis max " + Recorder.round(maxP99), left, 25);
        g.drawString("0", left - 15, h - bottom + 5);
        g.drawString(Long.toString(maxReq), 5, top + 5);
        g.drawString(Double.toString(Recorder.round(maxP99)), w - right + 5, top + 5);
        g.drawString("seconds since start (0.." + pts.size() + ")", w / 2 - 80, h - 15);
        g.dispose();
        ImageIO.write(img, "png", out);
    }
}
