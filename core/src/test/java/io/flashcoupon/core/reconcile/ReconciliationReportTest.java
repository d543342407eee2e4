package io.flashcoupon.core.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.reconcile.ReconciliationReport.Conflict;
import io.flashcoupon.core.reconcile.ReconciliationReport.OwnerMismatch;
import io.flashcoupon.core.reconcile.ReconciliationReport.Sample;
import io.flashcoupon.core.reconcile.ReconciliationReport.SnSample;
import io.flashcoupon.core.reconcile.ReconciliationReport.UserCountMismatch;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReconciliationReportTest {

    @Test
    void samples_keep_the_exact_count_and_at_most_the_cap_of_items() {
        List<String> many = IntStream.range(0, 250).mapToObj(i -> "sn" + i).toList();
        SnSample sample = SnSample.of(many);
        assertThat(sample.count()).isEqualTo(250);
        assertThat(sample.sns()).hasSize(ReconciliationReport.SAMPLE_CAP).startsWith("sn0", "sn1");
    }

    @Test
    void a_report_survives_its_stored_json_form_including_nested_findings() {
        ReconciliationReport report = report(false, new SnSample(1, List.of("0001")),
                new Sample<>(1, List.of(new OwnerMismatch("0002", 7, 1, 8, 1))),
                new Sample<>(1, List.of(new UserCountMismatch(7, 2, 1))));
        String json = ReconciliationReports.toJson(report);
        assertThat(json).contains("\"activity_id\":42", "\"rows_without_ledger\":{\"count\":1,\"sns\":[\"0001\"]}",
                "\"ran_at\":\"2030-01-01T00:00:00.123Z\"", "\"owner_mismatches\":{\"count\":1,\"items\":[{\"coupon_sn\":\"0002\"");
        assertThat(ReconciliationReports.fromJson(json)).isEqualTo(report);
    }

    @Test
    void conflicts_are_stored_with_the_report_and_a_report_stored_before_them_reads_as_having_none() {
        SnSample none = SnSample.of(List.of());
        ReconciliationReport report = new ReconciliationReport(42, Instant.parse("2030-01-01T00:00:00.123Z"),
                ActivityStatus.ENDED, 10_000, 10, 8, 2, 1, none, none, none, none, Sample.of(List.of()),
                Sample.of(List.of()), none, Sample.of(List.of(new Conflict("0002", "0001", 7, 1,
                        Instant.parse("2030-01-01T00:00:00.100Z")))), 3, true, false);
        String json = ReconciliationReports.toJson(report);
        assertThat(json).contains("\"conflicts\":{\"count\":1,\"items\":[{\"coupon_sn\":\"0002\","
                + "\"existing_coupon_sn\":\"0001\",\"user_id\":7,\"seq\":1", "\"resolved_conflicts\":3");
        assertThat(ReconciliationReports.fromJson(json)).isEqualTo(report);

        String older = json.replaceAll(",\"conflicts\":\\{.*?]}", "").replace(",\"resolved_conflicts\":3", "");
        assertThat(older).doesNotContain("conflicts");
        ReconciliationReport read = ReconciliationReports.fromJson(older);
        assertThat(read.conflicts().count()).isZero();
        assertThat(read.problems()).isEmpty();
    }

    @Test
    void problems_name_every_finding_and_are_empty_when_complete() {
        assertThat(report(true, SnSample.of(List.of()), Sample.of(List.of()), Sample.of(List.of())).problems()).isEmpty();
        List<String> problems = report(false, new SnSample(1, List.of("0001")), Sample.of(List.of()),
                new Sample<>(1, List.of(new UserCountMismatch(7, 2, 1)))).problems();
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).startsWith("1 row(s) without a ledger entry").contains("0001");
        assertThat(problems.get(1)).startsWith("1 user count(s) differ");
    }

    @Test
    void a_healed_section_survives_json_and_an_oversold_or_fenced_sale_is_never_complete() {
        ReconciliationReport clean = report(true, SnSample.of(List.of()), Sample.of(List.of()), Sample.of(List.of()));
        ReconciliationReport oversold = clean.withHealed(
                new ReconciliationReport.Healed(false, 1_000L, 2_000L, "REDIS_RESTARTED", 2_882, 7, 1));
        String json = ReconciliationReports.toJson(oversold);
        assertThat(json).contains("\"healed\":{", "\"oversold_by\":7", "\"sns_readded\":2882");
        assertThat(ReconciliationReports.fromJson(json)).isEqualTo(oversold);
        assertThat(oversold.complete()).isFalse();
        assertThat(oversold.problems()).singleElement().asString().startsWith("oversold by 7");
        assertThat(ReconcileMetrics.classify(oversold)).isEqualTo(ReconcileMetrics.Result.MISMATCH);

        ReconciliationReport fenced = clean.withHealed(
                new ReconciliationReport.Healed(true, 1_000L, null, "LEDGER_BEHIND", 0, 0, 0));
        assertThat(fenced.complete()).isFalse();
        assertThat(fenced.problems()).singleElement().asString().startsWith("fenced since 1000");

        ReconciliationReport healedCleanly = clean.withHealed(
                new ReconciliationReport.Healed(false, 1_000L, 2_000L, "REDIS_RESTARTED", 12, 0, 1));
        assertThat(healedCleanly.complete()).isTrue();
        assertThat(ReconciliationReports.fromJson(ReconciliationReports.toJson(clean)).healed()).isNull();
    }

    private static ReconciliationReport report(boolean complete, SnSample withoutLedger, Sample<OwnerMismatch> owners,
            Sample<UserCountMismatch> users) {
        SnSample none = SnSample.of(List.of());
        return new ReconciliationReport(42, Instant.parse("2030-01-01T00:00:00.123Z"), ActivityStatus.ENDED, 10_000,
                10, 8, 2, 2, none, none, none, withoutLedger, owners, users, none, Sample.of(List.of()), 0, true, complete);
    }
}
