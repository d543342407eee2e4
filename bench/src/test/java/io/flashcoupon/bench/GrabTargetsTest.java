package io.flashcoupon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class GrabTargetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode loop(double rate, double grantsPerS, double grantedP99, double allP99) throws Exception {
        return JSON.readTree("{\"target_rate\":" + rate + ",\"grants_per_s\":" + grantsPerS
                + ",\"latency_ms\":{\"granted\":{\"p99\":" + grantedP99 + "},\"all\":{\"p99\":" + allP99 + "}}}");
    }

    private static boolean met(ArrayNode targets, String prefix) {
        for (JsonNode t : targets) {
            if (t.path("target").asText().startsWith(prefix)) {
                return t.path("met").asBoolean();
            }
        }
        throw new AssertionError("no target " + prefix + " in " + targets);
    }

    @Test
    void the_grant_rate_must_reach_both_the_absolute_goal_and_the_share_of_the_same_runs_ceiling() throws Exception {
        ArrayNode targets = JSON.createArrayNode();
        ObjectNode medians = JSON.createObjectNode();

        ReportWriter.grabTargets(targets, medians, 26_000, 9_000, 25_000, loop(20_800, 900, 10, 40),
                loop(7_200, 7_100, 45, 45), 800, 0);

        assertThat(met(targets, "grants/s while stock lasts (median)")).isTrue();
        assertThat(medians.path("ratio_grants_to_ceiling_p1").asDouble()).isEqualTo(0.36);
        assertThat(met(targets, "grants/s while stock lasts : ceiling")).as("9,000 of a 25,000 ceiling").isFalse();
        assertThat(met(targets, "open loop of grants at 80% of the max grant rate (7200/s)")).isTrue();
        assertThat(met(targets, "open loop of grants: grants/s : rate asked")).isTrue();
        assertThat(met(targets, "whole-sale grab requests/s")).isTrue();
        assertThat(met(targets, "materialization lag")).isTrue();
        assertThat(met(targets, "invariant violations")).isTrue();
    }

    @Test
    void a_slow_granted_p99_or_an_open_loop_that_fell_behind_is_a_miss() throws Exception {
        ArrayNode targets = JSON.createArrayNode();

        ReportWriter.grabTargets(targets, JSON.createObjectNode(), 16_000, 2_800, 25_000, loop(12_800, 900, 10, 460),
                loop(2_240, 2_000, 205, 205), 1_300, 1);

        assertThat(met(targets, "open loop of grants at 80% of the max grant rate")).isFalse();
        assertThat(met(targets, "open loop of grants: grants/s : rate asked")).as("2,000 of 2,240").isFalse();
        assertThat(met(targets, "p99 of all answers at 80% of the max request rate")).isFalse();
        assertThat(met(targets, "materialization lag")).isFalse();
        assertThat(met(targets, "invariant violations")).isFalse();
    }
}
