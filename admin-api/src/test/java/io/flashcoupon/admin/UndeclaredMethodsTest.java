package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class UndeclaredMethodsTest {
    private final UndeclaredMethods methods = UndeclaredMethods.of(List.of("GET /api/v1/templates",
            "POST /api/v1/templates", "GET /api/v1/templates/{id}", "PUT /api/v1/templates/{id}",
            "POST /api/v1/activities/{id}/conflicts/{coupon_sn}/resolve", "GET /healthz"));

    @Test
    void a_declared_method_passes() {
        assertThat(methods.refusal("GET", "/api/v1/templates")).isNull();
        assertThat(methods.refusal("PUT", "/api/v1/templates/12")).isNull();
        assertThat(methods.refusal("POST", "/api/v1/activities/3/conflicts/sn-1/resolve")).isNull();
    }

    @Test
    void an_undeclared_method_on_a_declared_path_is_refused_with_the_allowed_ones() {
        assertThat(methods.refusal("TRACE", "/api/v1/templates")).isEqualTo("GET, HEAD, OPTIONS, POST");
        assertThat(methods.refusal("DELETE", "/api/v1/templates/12")).isEqualTo("GET, HEAD, OPTIONS, PUT");
        assertThat(methods.refusal("GET", "/api/v1/activities/3/conflicts/sn-1/resolve")).isEqualTo("OPTIONS, POST");
        assertThat(methods.refusal("FOO", "/healthz")).isEqualTo("GET, HEAD, OPTIONS");
    }

    @Test
    void head_with_get_and_options_are_implied() {
        assertThat(methods.refusal("HEAD", "/healthz")).isNull();
        assertThat(methods.refusal("OPTIONS", "/api/v1/templates/1")).isNull();
    }

    @Test
    void a_path_nothing_declares_is_left_to_the_404() {
        assertThat(methods.refusal("TRACE", "/api/v1/nothing")).isNull();
        assertThat(methods.refusal("GET", "/api/v1/templates/1/2")).isNull();
        assertThat(methods.refusal("TRACE", "/api/v1/templates/")).isNull();
    }

    @Test
    void a_parameter_segment_never_spans_a_slash_and_literal_parts_are_not_patterns() {
        UndeclaredMethods dotted = UndeclaredMethods.of(List.of("GET /openapi.json"));
        assertThat(dotted.refusal("POST", "/openapi.json")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(dotted.refusal("POST", "/openapiXjson")).isNull();
    }
}
