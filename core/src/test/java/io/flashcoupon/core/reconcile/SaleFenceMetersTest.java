package io.flashcoupon.core.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fence's meters under the names the alert rules read (SaleHealed, SaleFencedTooLong, SaleOversold
 * in compose/prometheus/rules). MetricsIT checks every other rule metric on a running service, whose
 * test configuration turns the fence off.
 */
class SaleFenceMetersTest {
    static final List<String> RULE_METRICS = List.of("coupon_sale_heals_total", "coupon_sale_fenced",
            "coupon_sale_oversold_coupons_total");

    @Test
    void a_fence_exports_the_series_the_alert_rules_read_from_its_start() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new SaleFence(null, null, id -> 0, null, null, List::of, Clock.systemUTC(), registry, 5_000, 2_000, null);
        String scrape = registry.scrape();
        for (String name : RULE_METRICS) {
            assertThat(scrape).as(name).containsPattern("(?m)^" + name + "(\\{| )");
        }
    }
}
