package io.flashcoupon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The issue-13 part of the report: the standalone read runs against the sold-out grab rate of the
 * same run, and the sale-page run's grabs against the grab-only runs'. Pure: JSON in, JSON and
 * markdown out.
 *
 * <p>Targets: GetFlashSaleStatus and GetCouponTemplate each >= 0.8 x the sold-out grab rate with
 * p99 <= 20 ms; GetUserCoupons >= 0.4 x with p99 <= 50 ms; GetAvailableCouponsForOrder on a 20-coupon
 * wallet >= 2,000/s with p99 <= 100 ms. The yardstick is {@code reads.sold_out_grab}: grabs on a sold-out
 * sale in the same closed loop (same in-flight count) as the reads.
 *
 * <p>"No worse than the grab-only run beyond noise": noise is the larger of 10 % of the grab-only
 * median and the spread of the grab-only runs around their median (their worst run); a single
 * grab-only run (QUICK) has only the 10 %.
 */
final class ReadReport {
    static final double NOISE_FLOOR = 0.10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One read target: rate as a share of the sold-out grab rate (or absolute) and a p99 bound. */
    record ReadTarget(String rpc, double shareOfSoldOut, double absolutePerS, double p99Ms) {
        double minPerS(double soldOutRate) {
            return shareOfSoldOut > 0 ? shareOfSoldOut * soldOutRate : absolutePerS;
        }

        String goal() {
            return (shareOfSoldOut > 0 ? ">= " + shareOfSoldOut + " x sold-out grab rate" : ">= " + (long) absolutePerS + "/s")
                    + ", p99 <= " + (long) p99Ms + " ms";
        }
    }

    static final List<ReadTarget> TARGETS = List.of(
            new ReadTarget("GetFlashSaleStatus", 0.8, 0, 20),
            new ReadTarget("GetCouponTemplate", 0.8, 0, 20),
            new ReadTarget("GetUserCoupons", 0.4, 0, 50),
            new ReadTarget("GetAvailableCouponsForOrder", 0, 2_000, 100));

    private ReadReport() {}

    /** Rows of {@code reads.json} judged against {@link #TARGETS}; empty when the runs were not made. */
    static ArrayNode judgeReads(JsonNode reads) {
        ArrayNode rows = JSON.createArrayNode();
        double soldOut = reads.path("sold_out_grab").path("per_s").asDouble();
        if (soldOut <= 0) {
            return rows;
        }
        for (ReadTarget t : TARGETS) {
            JsonNode run = reads.path(t.rpc());
            ObjectNode row = rows.addObject();
            double perS = run.path("per_s").asDouble();
            double p99 = run.path("p99_ms").asDouble();
            row.put("rpc", t.rpc());
            row.put("per_s", perS);
            row.put("p50_ms", run.path("p50_ms").asDouble());
            row.put("p99_ms", p99);
            row.put("ratio_to_sold_out_grab", Recorder.round(perS / soldOut));
            row.put("failed", run.path("shed").asLong() + run.path("errors").asLong());
            row.put("goal", t.goal());
            row.put("min_per_s", Recorder.round(t.minPerS(soldOut)));
            row.put("met", run.has("per_s") && perS >= t.minPerS(soldOut) && p99 <= t.p99Ms());
        }
        return rows;
    }

    /** Grab figures of the sale-page run next to the grab-only runs' medians, with the noise band. */
    static ObjectNode compareGrabs(double pageGrantsPerS, double pageGrantedP99, List<Double> onlyGrantsPerS,
            List<Double> onlyGrantedP99) {
        ObjectNode c = JSON.createObjectNode();
        double rate = ReportWriter.median(onlyGrantsPerS);
        double p99 = ReportWriter.median(onlyGrantedP99);
        double rateNoise = Math.max(NOISE_FLOOR * rate,
                onlyGrantsPerS.stream().mapToDouble(v -> rate - v).max().orElse(0));
        double p99Noise = Math.max(NOISE_FLOOR * p99,
                onlyGrantedP99.stream().mapToDouble(v -> v - p99).max().orElse(0));
        c.put("grants_per_s_while_stock_lasts", pageGrantsPerS);
        c.put("grab_only_median_grants_per_s", rate);
        c.put("grants_per_s_floor", Recorder.round(rate - rateNoise));
        c.put("granted_p99_ms", pageGrantedP99);
        c.put("grab_only_median_granted_p99_ms", p99);
        c.put("granted_p99_ceiling_ms", Recorder.round(p99 + p99Noise));
        c.put("grants_met", !onlyGrantsPerS.isEmpty() && pageGrantsPerS >= rate - rateNoise);
        c.put("p99_met", !onlyGrantedP99.isEmpty() && pageGrantedP99 <= p99 + p99Noise);
        return c;
    }

    /**
     * Grab requests/s of a grab-only sale after its stock was gone: the whole seconds of its timeline
     * after the one holding the last grant, without the last (partial) second; 0 when none are left.
     */
    static double soldOutPhaseRate(JsonNode sale) {
        double lastGrant = sale.path("last_grant_s").asDouble();
        List<Long> perSecond = new ArrayList<>();
        for (JsonNode p : sale.path("timeline")) {
            if (p.path("t").asInt() > (int) lastGrant) {
                perSecond.add(p.path("requests").asLong());
            }
        }
        if (perSecond.size() < 2) {
            return 0;
        }
        perSecond.remove(perSecond.size() - 1);
        return Recorder.round(perSecond.stream().mapToLong(Long::longValue).sum() / (double) perSecond.size());
    }

    /** The markdown sections: standalone reads, then the sale page. */
    static String markdown(JsonNode readsSection, JsonNode pageSection) {
        StringBuilder md = new StringBuilder("\n## Reads, each RPC alone (closed loop)\n\n");
        JsonNode raw = readsSection.path("raw");
        if (!readsSection.path("rows").isArray() || readsSection.path("rows").isEmpty()) {
            md.append("Not measured in this run.\n");
        } else {
            JsonNode so = raw.path("sold_out_grab");
            md.append(so.path("in_flight").asText()).append(" in flight, ").append(so.path("seconds").asText())
                    .append(" s each. Yardstick, same loop: grabs on a sold-out sale (each a new user with a request id) ")
                    .append(so.path("per_s").asText()).append("/s, p50 ").append(so.path("p50_ms").asText())
                    .append(" ms, p99 ").append(so.path("p99_ms").asText()).append(" ms");
            if (readsSection.has("sold_out_phase_of_sales_per_s")) {
                md.append("; the grab-only sales' sold-out phase (256 in flight, median) ")
                        .append(readsSection.path("sold_out_phase_of_sales_per_s").asText()).append("/s");
            }
            md.append(". GetAvailableCouponsForOrder: a wallet of ").append(raw.path("wallet_size").asText())
                    .append(" coupons; GetUserCoupons: the ").append(raw.path("winners").asText())
                    .append(" winners of a grab-only sale in turn");
            double userReads = raw.path("GetUserCoupons").path("per_s").asDouble();
            if (userReads > 0) {
                // against business.reads.wallet-cache-ms: how many of these reads could be cache hits
                md.append(", each wallet read again after ").append(Recorder.round(raw.path("winners").asDouble() / userReads * 1000))
                        .append(" ms");
            }
            md.append(".\n\n");
            md.append("| rpc | per s | p50 ms | p99 ms | x sold-out grab rate | shed+errors | goal | met |\n"
                    + "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for (JsonNode r : readsSection.path("rows")) {
                md.append("| ").append(r.path("rpc").asText()).append(" | ").append(r.path("per_s").asText())
                        .append(" | ").append(r.path("p50_ms").asText()).append(" | ").append(r.path("p99_ms").asText())
                        .append(" | ").append(r.path("ratio_to_sold_out_grab").asText()).append(" | ")
                        .append(r.path("failed").asText()).append(" | ").append(r.path("goal").asText())
                        .append(" (>= ").append(r.path("min_per_s").asText()).append("/s) | ")
                        .append(r.path("met").asBoolean() ? "met" : "**missed**").append(" |\n");
            }
        }
        md.append("\n## Sale page (shoppers: status polls, template, grabs, wallet after a win)\n\n");
        JsonNode page = pageSection.path("raw");
        if (!page.has("reads")) {
            md.append("Not measured in this run.\n");
            return md.toString();
        }
        md.append(page.path("users").asText()).append(" shoppers arriving over ").append(page.path("arrival_seconds").asText())
                .append(" s, the sale opening ").append(page.path("lead_seconds").asText())
                .append(" s after the first; stock ").append(page.path("stock").asText()).append(", polls every ")
                .append(page.path("poll_ms").asText()).append(" ms, ").append(page.path("concurrency").asText())
                .append(" grabs in flight; ").append(page.path("seconds").asText()).append(" s in all, ")
                .append(page.path("polls_before_grab").asText()).append(" polls before the opening. Winners: ")
                .append(page.path("winners").asText()).append(" (their wallet already showed the coupon: ")
                .append(page.path("winners_whose_wallet_showed_the_coupon").asText()).append(").\n\n");
        if (page.has("generator_send_lag_ms")) {
            // the generator's own health: a saturated generator shows here, not as a slow service
            JsonNode lag = page.path("generator_send_lag_ms");
            md.append("Generator: reads sent late after their timer by p50 ").append(lag.path("p50").asText())
                    .append(" / p99 ").append(lag.path("p99").asText()).append(" / max ").append(lag.path("max").asText())
                    .append(" ms (read latencies below are from the send); at most ")
                    .append(page.path("generator_max_reads_outstanding").asText()).append(" reads outstanding; ")
                    .append(page.path("polls_skipped").asText()).append(" poll ticks skipped while a shopper's poll was unanswered; ")
                    .append(page.path("generator_dropped").asText()).append(" reads not sent (generator cap); generator CPU ")
                    .append(page.path("generator_cpu_cores").asText()).append(" cores.\n\n");
        }
        md.append("| rpc | answered | per s (whole run) | p50 ms | p99 ms | max ms | shed | errors |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        JsonNode g = page.path("grabs");
        md.append("| FlashSaleCoupon | ").append(g.path("requests").asText()).append(" | ")
                .append(g.path("requests_per_s").asText()).append(" (since the opening) | ")
                .append(g.path("latency_ms").path("all").path("p50").asText()).append(" | ")
                .append(g.path("latency_ms").path("all").path("p99").asText()).append(" | ")
                .append(g.path("latency_ms").path("all").path("max").asText()).append(" | ")
                .append(g.path("outcomes").path("shed").asText()).append(" | ")
                .append(g.path("outcomes").path("error").asText()).append(" |\n");
        page.path("reads").fields().forEachRemaining(e -> {
            JsonNode r = e.getValue();
            md.append("| ").append(e.getKey()).append(" | ").append(r.path("ok").asText()).append(" | ")
                    .append(r.path("per_s").asText()).append(" | ").append(r.path("p50_ms").asText()).append(" | ")
                    .append(r.path("p99_ms").asText()).append(" | ").append(r.path("max_ms").asText()).append(" | ")
                    .append(r.path("shed").asText()).append(" | ").append(r.path("errors").asText()).append(" |\n");
        });
        JsonNode c = pageSection.path("grabs_vs_grab_only");
        md.append("\n| grab figure | sale page | grab-only (median) | bound (noise: max of 10 % and the runs' spread) | met |\n"
                + "| --- | --- | --- | --- | --- |\n");
        md.append("| grants/s while stock lasts | ").append(c.path("grants_per_s_while_stock_lasts").asText()).append(" | ")
                .append(c.path("grab_only_median_grants_per_s").asText()).append(" | >= ")
                .append(c.path("grants_per_s_floor").asText()).append(" | ")
                .append(c.path("grants_met").asBoolean() ? "met" : "**missed**").append(" |\n");
        md.append("| granted p99 ms | ").append(c.path("granted_p99_ms").asText()).append(" | ")
                .append(c.path("grab_only_median_granted_p99_ms").asText()).append(" | <= ")
                .append(c.path("granted_p99_ceiling_ms").asText()).append(" | ")
                .append(c.path("p99_met").asBoolean() ? "met" : "**missed**").append(" |\n");
        JsonNode inv = pageSection.path("invariants");
        md.append("\nInvariants of the sale-page sale: ").append(inv.path("ok").asBoolean()
                ? "0 violations" : "**" + inv.path("violations") + "**")
                .append(" (ledger ").append(inv.path("granted_ledger").asText()).append(", rows ")
                .append(inv.path("rows").asText()).append(", client-seen grants ").append(inv.path("client_granted").asText())
                .append(").\n");
        return md.toString();
    }
}
