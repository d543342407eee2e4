package io.flashcoupon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode run(double perS, double p50, double p99) {
        ObjectNode r = JSON.createObjectNode();
        r.put("per_s", perS);
        r.put("p50_ms", p50);
        r.put("p99_ms", p99);
        r.put("shed", 0);
        r.put("errors", 0);
        return r;
    }

    private static ObjectNode reads(double soldOut) {
        ObjectNode reads = JSON.createObjectNode();
        reads.set("sold_out_grab", run(soldOut, 2, 10));
        reads.set("GetFlashSaleStatus", run(8_000, 1, 20));
        reads.set("GetCouponTemplate", run(7_999, 1, 5));
        reads.set("GetUserCoupons", run(4_000, 3, 50.5));
        reads.set("GetAvailableCouponsForOrder", run(2_000, 20, 100));
        return reads;
    }

    private static JsonNode row(ArrayNode rows, String rpc) {
        for (JsonNode r : rows) {
            if (r.path("rpc").asText().equals(rpc)) {
                return r;
            }
        }
        throw new AssertionError("no row for " + rpc);
    }

    @Test
    void reads_are_judged_against_the_sold_out_grab_rate_of_the_same_run_and_their_p99_bound() {
        ArrayNode rows = ReadReport.judgeReads(reads(10_000));

        assertThat(rows).hasSize(4);
        // exactly 0.8 x and p99 at the bound: met
        assertThat(row(rows, "GetFlashSaleStatus").path("met").asBoolean()).isTrue();
        assertThat(row(rows, "GetFlashSaleStatus").path("ratio_to_sold_out_grab").asDouble()).isEqualTo(0.8);
        assertThat(row(rows, "GetFlashSaleStatus").path("min_per_s").asDouble()).isEqualTo(8_000);
        // one read short of 0.8 x: missed
        assertThat(row(rows, "GetCouponTemplate").path("met").asBoolean()).isFalse();
        // rate enough (0.4 x) but p99 above 50 ms: missed
        assertThat(row(rows, "GetUserCoupons").path("met").asBoolean()).isFalse();
        // absolute target, independent of the grab rate
        assertThat(row(rows, "GetAvailableCouponsForOrder").path("met").asBoolean()).isTrue();
        assertThat(row(rows, "GetAvailableCouponsForOrder").path("goal").asText()).isEqualTo(">= 2000/s, p99 <= 100 ms");
    }

    @Test
    void a_faster_sold_out_grab_raises_the_bar_of_the_relative_targets_only() {
        ArrayNode rows = ReadReport.judgeReads(reads(20_000));

        assertThat(row(rows, "GetFlashSaleStatus").path("met").asBoolean()).isFalse();
        assertThat(row(rows, "GetFlashSaleStatus").path("min_per_s").asDouble()).isEqualTo(16_000);
        assertThat(row(rows, "GetAvailableCouponsForOrder").path("met").asBoolean()).isTrue();
    }

    @Test
    void no_read_rows_without_a_sold_out_grab_rate_and_a_missing_run_is_missed() {
        assertThat(ReadReport.judgeReads(JSON.createObjectNode())).isEmpty();

        ObjectNode reads = reads(10_000);
        reads.remove("GetCouponTemplate");
        assertThat(row(ReadReport.judgeReads(reads), "GetCouponTemplate").path("met").asBoolean()).isFalse();
    }

    @Test
    void sale_page_grabs_within_the_noise_of_the_grab_only_runs_are_met() {
        // runs 2,000 / 2,800 / 3,300: median 2,800, worst 800 below it (more than 10 %)
        ObjectNode c = ReadReport.compareGrabs(2_001, 330, List.of(2_000.0, 2_800.0, 3_300.0), List.of(250.0, 300.0, 320.0));

        assertThat(c.path("grants_per_s_floor").asDouble()).isEqualTo(2_000);
        assertThat(c.path("grants_met").asBoolean()).isTrue();
        // p99 spread 20 ms < 10 % of 300: the bound is 330
        assertThat(c.path("granted_p99_ceiling_ms").asDouble()).isEqualTo(330);
        assertThat(c.path("p99_met").asBoolean()).isTrue();
    }

    @Test
    void sale_page_grabs_beyond_the_noise_are_missed_and_a_single_run_has_the_ten_percent_band() {
        ObjectNode c = ReadReport.compareGrabs(1_799, 331, List.of(2_000.0), List.of(300.0));

        assertThat(c.path("grants_per_s_floor").asDouble()).isEqualTo(1_800);
        assertThat(c.path("grants_met").asBoolean()).isFalse();
        assertThat(c.path("p99_met").asBoolean()).isFalse();
        assertThat(ReadReport.compareGrabs(1_900, 100, List.of(), List.of()).path("grants_met").asBoolean()).isFalse();
    }

    @Test
    void sold_out_phase_rate_counts_whole_seconds_after_the_last_grant_without_the_partial_last_one() {
        ObjectNode sale = JSON.createObjectNode();
        sale.put("last_grant_s", 1.4);
        ArrayNode tl = sale.putArray("timeline");
        long[] requests = {5_000, 6_000, 9_000, 11_000, 700};
        for (int t = 0; t < requests.length; t++) {
            tl.addObject().put("t", t).put("requests", requests[t]);
        }

        assertThat(ReadReport.soldOutPhaseRate(sale)).isEqualTo(10_000);
        sale.put("last_grant_s", 3.2);
        assertThat(ReadReport.soldOutPhaseRate(sale)).isZero();
    }

    @Test
    void markdown_shows_each_rpc_with_its_ratio_and_verdict_and_the_sale_page_comparison() {
        ObjectNode report = JSON.createObjectNode();
        ArrayNode targets = report.putArray("targets");
        ObjectNode reads = reads(10_000);
        reads.put("wallet_size", 20);
        reads.put("winners", 2_000);
        ((ObjectNode) reads.path("sold_out_grab")).put("in_flight", 128).put("seconds", 5.0);
        ObjectNode page = JSON.createObjectNode();
        page.put("users", 20_000).put("stock", 2_000).put("arrival_seconds", 10.0).put("lead_seconds", 3)
                .put("poll_ms", 1000).put("concurrency", 256).put("seconds", 14.2).put("polls_before_grab", 9_000)
                .put("winners", 2_000).put("winners_whose_wallet_showed_the_coupon", 150);
        page.putObject("reads").set("GetFlashSaleStatus", run(3_000, 1.5, 12));
        ObjectNode grabs = page.putObject("grabs");
        grabs.put("last_grant_s", 1.0).put("requests", 30_000).put("requests_per_s", 9_000.0);
        grabs.putObject("outcomes").put("granted", 2_000).put("shed", 0).put("error", 0);
        grabs.putObject("latency_ms").putObject("granted").put("p99", 120.0);
        ObjectNode check = JSON.createObjectNode().put("ok", true).put("total", 2_000).put("granted_ledger", 2_000)
                .put("rows", 2_000).put("client_granted", 2_000);
        check.putArray("violations");

        ReportWriter.readTargets(report, targets, reads, page, check, List.of(9_500.0), List.of(2_100.0), List.of(110.0));
        String md = ReportWriter.markdown(report);

        assertThat(md).contains("| GetFlashSaleStatus | 8000.0 | 1.0 | 20.0 | 0.8 | 0 | >= 0.8 x sold-out grab rate, p99 <= 20 ms (>= 8000.0/s) | met |");
        assertThat(md).contains("| GetCouponTemplate | 7999.0 |").contains("**missed**");
        assertThat(md).contains("sold-out phase (256 in flight, median) 9500.0/s");
        assertThat(md).contains("the 2000 winners of a grab-only sale in turn, each wallet read again after 500.0 ms.");
        assertThat(md).contains("| grants/s while stock lasts | 2000.0 | 2100.0 | >= 1890.0 | met |");
        assertThat(md).contains("| granted p99 ms | 120.0 | 110.0 | <= 121.0 | met |");
        assertThat(md).contains("Invariants of the sale-page sale: 0 violations");
        assertThat(targets.toString()).contains("sale page: invariant violations");
        assertThat(report.path("sale_page").path("raw").path("grabs").has("timeline")).isFalse();
    }

    @Test
    void a_report_without_the_new_runs_says_so_and_adds_no_targets() {
        ObjectNode report = JSON.createObjectNode();
        ArrayNode targets = report.putArray("targets");

        ReportWriter.readTargets(report, targets, JSON.createObjectNode(), JSON.createObjectNode(),
                JSON.createObjectNode(), List.of(), List.of(), List.of());

        assertThat(targets).isEmpty();
        assertThat(ReportWriter.markdown(report)).contains("## Reads, each RPC alone (closed loop)\n\nNot measured in this run.")
                .contains("(shoppers: status polls, template, grabs, wallet after a win)\n\nNot measured in this run.");
    }
}
