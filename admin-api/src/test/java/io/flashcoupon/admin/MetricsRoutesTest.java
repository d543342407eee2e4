package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class MetricsRoutesTest {

    @Test
    void prometheus_gets_the_text_format_unless_it_asks_for_openmetrics() {
        assertThat(MetricsRoutes.contentType(null)).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(MetricsRoutes.contentType("*/*")).isEqualTo(MetricsRoutes.TEXT_004);
        assertThat(MetricsRoutes.contentType("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"))
                .isEqualTo("application/openmetrics-text; version=1.0.0; charset=utf-8");
    }

    @Test
    void dotted_meter_names_are_exposed_in_prometheus_snake_case_with_total() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("coupon.grab.outcomes").tag("code", "granted").register(registry).increment();

        assertThat(registry.scrape(MetricsRoutes.TEXT_004))
                .contains("# TYPE coupon_grab_outcomes_total counter")
                .contains("coupon_grab_outcomes_total{code=\"granted\"} 1.0");
        assertThat(registry.scrape(MetricsRoutes.OPENMETRICS))
                .contains("# TYPE coupon_grab_outcomes counter")
                .contains("coupon_grab_outcomes_total{code=\"granted\"} 1.0")
                .endsWith("# EOF\n");
    }
}
