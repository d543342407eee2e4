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
                + "\"target_pct\":5.0,\"settle_s\":42,\"warmup\":\"20000 of 20000\",\"top_threads\":[" + threads + "]}"));

        assertThat(section).contains("idle CPU of the all-in-one process over 60.0 s: 3.21 % of one core (target <= 5.0 %)")
                .contains("| t1 | 1.0 |", "| t5 | 0.2 |").doesNotContain("| t6 |")
                .contains("42 s after /readyz", "20000 of 20000");
    }

    @Test
    void a_run_without_the_idle_figure_says_so() throws Exception {
        assertThat(ReportWriter.idleCpuSection(JSON.createObjectNode())).contains("Not measured in this run");
    }
}
