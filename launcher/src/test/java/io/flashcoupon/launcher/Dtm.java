package io.flashcoupon.launcher;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The real DTM server (started by scripts/dtm up, found through env DTM_HTTP, default
 * http://127.0.0.1:36789) driven through its HTTP API: submit a Saga, read a global transaction.
 */
final class Dtm {
    static final String BASE = env("DTM_HTTP", "http://127.0.0.1:36789");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Dtm() {}

    /** One Saga step: action and compensate URLs, and the payload DTM posts to both. */
    record Step(String action, String compensate, String payload) {}

    static String newGid() throws IOException, InterruptedException {
        return get("/api/dtmsvr/newGid").get("gid").asText();
    }

    /** Submits a Saga (HTTP branches) and returns once DTM accepted it. */
    static void submitSaga(String gid, List<Step> steps) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("gid", gid);
        body.put("trans_type", "saga");
        body.put("retry_interval", 1);
        ArrayNode s = body.putArray("steps");
        ArrayNode p = body.putArray("payloads");
        for (Step step : steps) {
            s.addObject().put("action", step.action()).put("compensate", step.compensate());
            p.add(step.payload());
        }
        post("/api/dtmsvr/submit", body);
    }

    /** Submits a Saga whose branches are gRPC methods ("host:port/service/Method"), payloads protobuf bytes. */
    static void submitGrpcSaga(String gid, List<String[]> actionCompensate, List<byte[]> payloads)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("gid", gid);
        body.put("trans_type", "saga");
        body.put("retry_interval", 1);
        ArrayNode s = body.putArray("steps");
        ArrayNode p = body.putArray("binary_payloads");
        for (int i = 0; i < actionCompensate.size(); i++) {
            s.addObject().put("action", actionCompensate.get(i)[0]).put("compensate", actionCompensate.get(i)[1]);
            p.add(payloads.get(i));
        }
        post("/api/dtmsvr/submit", body);
    }

    /** The global transaction's status: prepared, submitted, succeed, failed, aborting. */
    static String status(String gid) throws IOException, InterruptedException {
        JsonNode t = get("/api/dtmsvr/query?gid=" + gid).get("transaction");
        return t == null || t.isNull() ? "" : t.get("status").asText();
    }

    /** Waits until the global transaction is final and returns its status. */
    static String awaitFinal(String gid) {
        String[] last = {""};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = status(gid);
            return last[0].equals("succeed") || last[0].equals("failed");
        });
        return last[0];
    }

    /** The branches DTM recorded: op and status of each. */
    static JsonNode branches(String gid) throws IOException, InterruptedException {
        return get("/api/dtmsvr/query?gid=" + gid).get("branches");
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("DTM " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private static void post(String path, JsonNode body) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !r.body().contains("SUCCESS")) {
            throw new IOException("DTM " + path + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }
}
