package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the service (a child JVM, broker in a process of its own) while grabs are in flight:
 * it stops admitting, lets the running grabs finish their Redis script and transactional send,
 * writes the materializer's batch in hand and commits its offsets, and exits within
 * server.shutdown-timeout-ms, logging (as JSON lines) that the drain finished. After a restart every
 * coupon the client was told GRANTED is a row, nothing is oversold, and no grab was left with an
 * unknown outcome by the stop.
 */
class GracefulShutdownIT {
    private static final int STOCK = 600;
    private static final long BUDGET_MS = 15_000;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void sigterm_drains_in_flight_grabs_and_the_sink_and_exits_within_the_budget() throws Exception {
        FaultRig.run("GracefulShutdownIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        rig.startRedis();
        rig.resetDatabase();
        ServiceJvms.Broker broker = rig.broker();
        rig.log("broker ready in %d ms", broker.start(Duration.ofMinutes(2)).toMillis());
        int grpc = rig.ports.one();
        int http = rig.ports.one();
        Map<String, String> env = new HashMap<>(rig.serviceEnv(grpc, http, null, broker.namesrvPort,
                broker.brokerPort, false));
        env.put(ConfigLoader.envName("server.shutdown-timeout-ms"), Long.toString(BUDGET_MS));
        env.put("LOG_FORMAT", "json");
        ServiceJvms.Service service = new ServiceJvms.Service("service", env, rig.work,
                rig.logs.resolve("service.log"), grpc, http);
        try {
            rig.log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
            Activity sale = rig.startSale(service, STOCK, 1);
            List<String> injected = new ArrayList<>();
            try (GrabLoad load = rig.load(service, sale)) {
                load.start();
                rig.awaitGranted(load, STOCK / 4, service::requireAlive);
                GrabLoad.Snapshot before = load.snapshot();
                Duration exit = service.terminate(Duration.ofMillis(BUDGET_MS + 10_000));
                rig.log("SIGTERM with %d grabs in flight, %d coupons granted to the client: exited in %d ms (code %d)",
                        before.inFlight(), before.granted(), exit.toMillis(), service.exitCode());
                injected.add("SIGTERM at " + before.granted() + " coupons granted, " + before.inFlight()
                        + " grabs in flight; exit after " + exit.toMillis() + " ms");

                assertThat(exit).as("exit within the shutdown budget").isLessThan(Duration.ofMillis(BUDGET_MS));
                assertThat(service.exitCode()).as("128 + SIGTERM: hooks finished, no halt by the watchdog")
                        .isEqualTo(143);
                List<JsonNode> lines = jsonLines(service.logOfThisRun());
                assertThat(lines).as("the service logs JSON lines").isNotEmpty();
                JsonNode started = find(lines, "shutdown: started");
                JsonNode drained = find(lines, "shutdown: drain finished");
                JsonNode complete = find(lines, "shutdown: complete");
                rig.log("log: %s | %s | %s", started.get("formattedMessage").asText(), drained.get("formattedMessage").asText(),
                        complete.get("formattedMessage").asText());
                assertThat(drained.get("level").asText()).isEqualTo("INFO");
                assertThat(drained.get("formattedMessage").asText()).contains("0 grab(s) still in flight")
                        .contains("materializer stopped with its offsets committed");
                assertThat(complete.get("formattedMessage").asText()).doesNotContain("over the budget");

                rig.log("restarted in %d ms", service.start(Duration.ofMinutes(2)).toMillis());
                rig.channel(service).resetConnectBackoff();
                rig.finish(service, sale, load, injected);
                assertThat(load.outcome("UNAVAILABLE(outcome unknown)"))
                        .as("a graceful stop leaves no grab with an unknown outcome").isZero();
            }
        } finally {
            service.stop();
        }
    }

    private List<JsonNode> jsonLines(List<String> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("{")) {
                try {
                    out.add(json.readTree(l));
                } catch (Exception e) {
                    throw new AssertionError("not a JSON log line: " + l, e);
                }
            }
        }
        return out;
    }

    private static JsonNode find(List<JsonNode> lines, String prefix) {
        return lines.stream().filter(n -> n.path("formattedMessage").asText().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no log line starting '" + prefix + "'"));
    }
}
