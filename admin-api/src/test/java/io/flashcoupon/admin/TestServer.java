package io.flashcoupon.admin;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A Javalin app on a free port of 127.0.0.1 for one test body, stopped afterwards whatever the body did,
 * with a plain HTTP/1.1 client for it (the JDK's). Stands in for javalin-testtools, which the build's
 * Maven repository does not serve for Javalin 7.
 */
final class TestServer {
    private TestServer() {}

    /** A test body, given the client of the started app. */
    interface Body {
        void accept(Client client) throws Exception;
    }

    static void test(Javalin app, Body body) {
        app.start("127.0.0.1", 0);
        try {
            body.accept(new Client(app.port()));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            app.stop();
        }
    }

    /** Requests to the app's origin; the reply's body read as text. */
    static final class Client {
        private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final String origin;

        Client(int port) {
            this.origin = "http://127.0.0.1:" + port;
        }

        HttpResponse<String> get(String path) {
            return request("GET", path, null);
        }

        HttpResponse<String> post(String path) {
            return request("POST", path, "");
        }

        /**
         * {@code body} null: none; else sent as application/json. {@code headers}: name, value, name, value...
         */
        HttpResponse<String> request(String method, String path, String body, String... headers) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin + path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json; charset=utf-8");
            }
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            try {
                return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(method + " " + path, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(method + " " + path + " interrupted", e);
            }
        }
    }
}
