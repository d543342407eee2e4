package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

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
    void every_method_gets_an_error_body() {
        assertThat(errors.errorPageForMethod("PUT")).isTrue();
    }
}
