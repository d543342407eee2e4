package io.flashcoupon.systemtest.saga;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flashcoupon.systemtest.support.ServiceHarness;
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
        submitSaga(gid, steps, ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid), 0);
    }

    /**
     * Submits a Saga whose branch calls carry {@code authorization} (none when null; the service wants
     * {@code BranchCredential.forSaga(gid)}) and that DTM aborts after
     * {@code retryLimit} retries of an action (0 = retry for ever).
     */
    static void submitSaga(String gid, List<Step> steps, String authorization, int retryLimit)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("gid", gid);
        body.put("trans_type", "saga");
        body.put("retry_interval", 1);
        if (retryLimit > 0) {
            body.put("retry_limit", retryLimit);
        }
        if (authorization != null) {
            // DTM adds these headers to every HTTP branch call: this Saga's credential
            body.putObject("branch_headers").put("authorization", authorization);
        }
        ArrayNode s = body.putArray("steps");
        ArrayNode p = body.putArray("payloads");
        for (Step step : steps) {
            s.addObject().put("action", step.action()).put("compensate", step.compensate());
            p.add(step.payload());
        }
        post("/api/dtmsvr/submit", body);
    }

    /**
     * Submits a Saga through DTM's gRPC API (dtmgimp.Dtm/Submit, env DTM_GRPC, default
     * 127.0.0.1:36790), so DTM runs it in gRPC mode: branches named "host:port/service/Method" get
     * their protobuf payload and DTM's metadata; http:// branches are still called over HTTP.
     * The DtmRequest is encoded by hand (fields 1 Gid, 2 TransType, 3 TransOptions {3 RetryInterval,
     * 5 BranchHeaders: authorization = this Saga's credential}, 5 BinPayloads, 7 Steps as
     * JSON) to keep DTM's proto out of the build.
     */
    static void submitGrpcSaga(String gid, List<String[]> actionCompensate, List<byte[]> payloads) throws Exception {
        ArrayNode steps = JSON.createArrayNode();
        for (String[] ac : actionCompensate) {
            steps.addObject().put("action", ac[0]).put("compensate", ac[1]);
        }
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(buf);
        out.writeString(1, gid);
        out.writeString(2, "saga");
        java.io.ByteArrayOutputStream opts = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream o = com.google.protobuf.CodedOutputStream.newInstance(opts);
        o.writeInt64(3, 1);
        java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream hd = com.google.protobuf.CodedOutputStream.newInstance(header);
        hd.writeString(1, "authorization");
        hd.writeString(2, ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid));
        hd.flush();
        o.writeByteArray(5, header.toByteArray());
        o.flush();
        out.writeByteArray(3, opts.toByteArray());
        for (byte[] p : payloads) {
            out.writeByteArray(5, p);
        }
        out.writeString(7, JSON.writeValueAsString(steps));
        out.flush();
        io.grpc.MethodDescriptor.Marshaller<byte[]> raw = new io.grpc.MethodDescriptor.Marshaller<>() {
            @Override
            public java.io.InputStream stream(byte[] value) {
                return new java.io.ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(java.io.InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        io.grpc.MethodDescriptor<byte[], byte[]> submit = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("dtmgimp.Dtm/Submit")
                .setRequestMarshaller(raw).setResponseMarshaller(raw).build();
        io.grpc.ManagedChannel ch = io.grpc.ManagedChannelBuilder.forTarget(env("DTM_GRPC", "127.0.0.1:36790"))
                .usePlaintext().build();
        try {
            io.grpc.stub.ClientCalls.blockingUnaryCall(ch, submit,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS),
                    buf.toByteArray());
        } finally {
            ch.shutdownNow();
        }
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
