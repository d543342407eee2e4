package io.flashcoupon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ReportWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void the_idle_section_gives_the_process_figure_against_its_target_and_the_five_busiest_threads() throws Exception {
        StringBuilder threads = new StringBuilder();
        for (int i = 1; i <= 7; i++) {
            threads.append(i > 1 ? "," : "").append("{\"name\":\"t").append(i).append("\",\"tid\":").append(i)
                    .append(",\"pct_of_core\":").append(1.0 / i).append('}');
        }
        String section = ReportWriter.idleCpuSection(JSON.readTree("{\"seconds\":60.0,\"process_pct_of_core\":3.21,"
                + "\"target_pct\":5.0,\"settle_s\":42,\"jit_pct_of_core\":0.4,\"wakeups_per_s\":812,"
                + "\"warmup\":\"20000 of 20000\",\"top_threads\":[" + threads + "]}"));

        assertThat(section).contains("idle CPU of the all-in-one process over 60.0 s: 3.21 % of one core (target <= 5.0 %): met")
                .contains("JIT compiler threads: 0.4 %", "812/s")
                .contains("| t1 | 1.0 |", "| t5 | 0.2 |").doesNotContain("| t6 |")
                .contains("42 s after /readyz", "20000 of 20000");
    }

    @Test
    void an_idle_figure_over_its_target_is_marked_missed() throws Exception {
        String section = ReportWriter.idleCpuSection(JSON.readTree(
                "{\"seconds\":60.0,\"process_pct_of_core\":6.87,\"target_pct\":5.0,\"top_threads\":[]}"));

        assertThat(section).contains("6.87 % of one core (target <= 5.0 %): **missed**").doesNotContain(": met");
    }

    @Test
    void a_run_without_the_idle_figure_says_so() throws Exception {
        assertThat(ReportWriter.idleCpuSection(JSON.createObjectNode())).contains("Not measured in this run");
    }

    @Test
    void the_grant_cpu_section_gives_each_process_and_thread_group_per_grant() throws Exception {
        String section = ReportWriter.grantCpuSection(JSON.readTree("{\"seconds\":20.1,\"cores\":2,\"work\":60000,"
                + "\"processes\":{\"service\":{\"cpu_s\":18.0,\"pct_of_core\":89.6,\"us_per_grant\":300.0},"
                + "\"rest\":{\"cpu_s\":6.0,\"pct_of_core\":29.9,\"us_per_grant\":100.0}},\"threads_of\":\"service\","
                + "\"top_thread_groups\":[{\"name\":\"grab-publish\",\"pct_of_core\":12.5,\"us_per_grant\":41.9}]}"));

        assertThat(section).contains("60000 grants in 20.1 s on 2 cores")
                .contains("| service | 18.0 | 89.6 | 300.0 |", "| rest | 6.0 | 29.9 | 100.0 |")
                .contains("| grab-publish | 12.5 | 41.9 |");
    }

    @Test
    void a_run_without_the_grant_cpu_figure_says_so() throws Exception {
        assertThat(ReportWriter.grantCpuSection(JSON.readTree("{\"error\":\"scripts/proc-cpu failed\"}")))
                .contains("Not measured in this run (scripts/proc-cpu failed)");
    }
}
