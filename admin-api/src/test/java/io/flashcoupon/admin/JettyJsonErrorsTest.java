package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

class JettyJsonErrorsTest {
    private final JettyJsonErrors errors = new JettyJsonErrors(ApiJson.newMapper());

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b).toString();
    }

    @Test
    void a_request_jetty_cannot_parse_gets_a_json_client_error() {
        HttpFields.Mutable fields = HttpFields.build();

        String body = text(errors.badMessageError(400, "Bad URI", fields));

        assertThat(body).isEqualTo("{\"error\":\"invalid_argument\",\"message\":\"Bad URI\"}");
        assertThat(fields.get(HttpHeader.CONTENT_TYPE)).startsWith("application/json");
    }

    @Test
    void server_failures_do_not_leak_their_reason() {
        String body = text(errors.badMessageError(500, "java.lang.IllegalStateException: pool at /x", HttpFields.build()));

        assertThat(body).isEqualTo("{\"error\":\"internal\",\"message\":\"internal error\"}");
    }

    @Test
    void jetty_answers_an_undecodable_uri_and_oversized_headers_with_json_on_a_running_server() throws Exception {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.modifyServer(server -> server.setErrorHandler(errors));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(errors));
            config.routes.get("/ok", ctx -> ctx.result("ok"));
        });
        app.start("127.0.0.1", 0);
        try {
            String badUri = raw(app.port(), "GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(badUri).startsWith("HTTP/1.1 400").containsIgnoringCase("content-type: application/json")
                    .contains("{\"error\":\"invalid_argument\"");
            String huge = raw(app.port(), "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000)
                    + "\r\nConnection: close\r\n\r\n");
            assertThat(huge).startsWith("HTTP/1.1 431").containsIgnoringCase("content-type: application/json")
                    .contains("\"error\":");
        } finally {
            app.stop();
        }
    }

    /** One request as bytes on a socket (the JDK client refuses to send a malformed URI); the whole reply. */
    private static String raw(int port, String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void every_method_gets_an_error_body() {
        assertThat(errors.errorPageForMethod("PUT")).isTrue();
    }
}
