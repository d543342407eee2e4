package io.flashcoupon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules under compose/prometheus/rules parse and validate with Prometheus's own rule and
 * PromQL parser (tools/rulecheck, what `promtool check rules` runs; scripts/rulecheck builds it, and
 * scripts/test runs that), a broken expression is refused, and the rules and the alerts
 * docs/operations.md describes are the same set. That every metric a rule reads is served: MetricsIT.
 */
class RuleFilesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path RULES = ROOT.resolve("compose/prometheus/rules");
    private static final Path CHECKER = ROOT.resolve(".data/bin/rulecheck");

    private record Run(int exit, String out, String err) {}

    @Test
    void the_shipped_rules_pass_prometheus_rule_checks() throws Exception {
        List<String> files = ruleFiles();
        assertThat(files).isNotEmpty();
        Run run = check(files.toArray(String[]::new));
        assertThat(run.exit()).as("rulecheck %s: %s", files, run.err()).isZero();
        assertThat(run.err()).contains("SUCCESS");
    }

    @Test
    void a_rule_with_a_broken_expression_is_refused_naming_it(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, """
                groups:
                  - name: broken
                    rules:
                      - alert: Fine
                        expr: sum(rate(coupon_grab_outcomes_total[1m])) > 0
                      - alert: Unbalanced
                        expr: sum(rate(coupon_grab_outcomes_total[1m]) > 0
                """);
        Run run = check(bad.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("Unbalanced").contains("parse error");
    }

    @Test
    void a_rule_with_an_invalid_duration_is_refused(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, """
                groups:
                  - name: broken
                    rules:
                      - alert: BadFor
                        expr: up == 0
                        for: 5 minutes
                """);
        Run run = check(bad.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("5 minutes");
    }

    @Test
    void a_rule_with_a_broken_annotation_template_is_refused(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, """
                groups:
                  - name: broken
                    rules:
                      - alert: BadTemplate
                        expr: up == 0
                        annotations: {summary: "{{ $labels.instance "}
                """);
        Run run = check(bad.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("BadTemplate").contains("unclosed action");
    }

    @Test
    void the_rules_are_the_alerts_the_operations_guide_describes() throws Exception {
        Set<String> rules = new TreeSet<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        for (String f : ruleFiles()) {
            for (JsonNode group : yaml.readTree(Path.of(f).toFile()).path("groups")) {
                group.path("rules").forEach(r -> rules.add(r.path("alert").asText()));
            }
        }
        String guide = Files.readString(ROOT.resolve("docs/operations.md"), StandardCharsets.UTF_8);
        // the first column of the tables headed "| alert |"
        Set<String> documented = new TreeSet<>();
        Pattern name = Pattern.compile("^\\| \\*\\*([A-Za-z]+)\\*\\*");
        boolean alertTable = false;
        for (String line : guide.split("\n")) {
            if (!line.startsWith("|")) {
                alertTable = false;
            } else if (line.startsWith("| alert |")) {
                alertTable = true;
            } else if (alertTable) {
                Matcher m = name.matcher(line);
                if (m.find()) {
                    documented.add(m.group(1));
                }
            }
        }
        assertThat(rules).as("alerts in %s", RULES).containsExactlyInAnyOrderElementsOf(documented);
        assertThat(guide).contains("compose/prometheus/rules/coupon-alerts.yml");
    }

    private static List<String> ruleFiles() throws IOException {
        try (Stream<Path> s = Files.list(RULES)) {
            return s.filter(p -> p.toString().endsWith(".yml")).map(Path::toString).sorted().toList();
        }
    }

    private static Run check(String... files) throws Exception {
        assertThat(Files.isExecutable(CHECKER)).as("%s is missing: run scripts/rulecheck (scripts/test does)", CHECKER)
                .isTrue();
        List<String> cmd = new ArrayList<>(List.of(CHECKER.toString()));
        cmd.addAll(List.of(files));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).as("%s finished", cmd).isTrue();
        return new Run(p.exitValue(), out, err);
    }
}
