package io.flashcoupon.systemtest.saga;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "payment" Saga branch of the tests: a tiny HTTP server DTM really calls. /pay answers
 * SUCCESS, /pay-fail answers FAILURE (409), /refund (the compensation) answers SUCCESS, /pay-later
 * answers ONGOING (425: DTM asks again later) until {@link #failLaterPayments} and FAILURE after.
 * Counts calls by path and global transaction.
 */
final class PaymentStub implements AutoCloseable {
    private final HttpServer server;
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private volatile boolean laterFails;

    PaymentStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            String gid = "";
            for (String kv : query == null ? new String[0] : query.split("&")) {
                if (kv.startsWith("gid=")) {
                    gid = kv.substring(4);
                }
            }
            calls.computeIfAbsent(path + "@" + gid, p -> new AtomicInteger()).incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            boolean later = path.equals("/pay-later");
            boolean fail = path.equals("/pay-fail") || (later && laterFails);
            String result = fail ? "FAILURE" : later ? "ONGOING" : "SUCCESS";
            byte[] body = ("{\"dtm_result\":\"" + result + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(fail ? 409 : later ? 425 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** From now on /pay-later answers FAILURE. */
    void failLaterPayments() {
        laterFails = true;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Calls of {@code path} made for global transaction {@code gid}. */
    int calls(String path, String gid) {
        AtomicInteger n = calls.get(path + "@" + gid);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
