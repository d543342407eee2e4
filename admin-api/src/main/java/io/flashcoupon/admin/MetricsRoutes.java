package io.flashcoupon.admin;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * GET /metrics: every meter of the process in the Prometheus text format 0.0.4, or OpenMetrics
 * 1.0 when the scraper's Accept header asks for application/openmetrics-text (Prometheus does).
 */
final class MetricsRoutes {
    static final String TEXT_004 = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    MetricsRoutes(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    void register(RoutesConfig routes) {
        routes.get("/metrics", this::scrape);
    }

    void scrape(Context ctx) {
        String type = contentType(ctx.header("Accept"));
        ctx.contentType(type).result(registry.scrape(type));
    }

    static String contentType(String accept) {
        return accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT_004;
    }
}
