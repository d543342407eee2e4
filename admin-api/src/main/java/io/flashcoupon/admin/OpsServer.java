package io.flashcoupon.admin;

import io.flashcoupon.core.runtime.Readiness;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The HTTP endpoint of a process that does not run the admin role: only GET /metrics, /healthz
 * and /readyz (the same routes the admin API serves), so Prometheus and the orchestrator see every
 * process. Anything else answers 404, with the admin API's JSON error body.
 */
public final class OpsServer {
    private final Javalin app;

    public OpsServer(Readiness readiness, PrometheusMeterRegistry metrics) {
        ApiJson json = new ApiJson(ApiJson.newMapper());
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            HttpMetrics.install(config, metrics);
            config.jsonMapper(new JavalinJackson(json.mapper(), false));
            JettyJsonErrors jettyErrors = new JettyJsonErrors(json.mapper());
            config.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(jettyErrors));
            ErrorMapping.install(config.routes);
            new HealthRoutes(readiness::report).register(config.routes);
            new MetricsRoutes(metrics).register(config.routes);
        });
    }

    /** Starts listening; port 0 picks a free port (see {@link #port()}). */
    public OpsServer start(String host, int port) {
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    public void stop() {
        app.stop();
    }
}
