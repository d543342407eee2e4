package io.flashcoupon.admin;

import io.flashcoupon.core.runtime.Readiness;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * /healthz (the process answers; cheap, checks nothing) and /readyz (it has started, is not stopping,
 * and Redis, MySQL and the broker are usable: {@link Readiness}). /readyz names each dependency with
 * its state, the latency of its last check and what was wrong, 200 when ready, else 503.
 */
final class HealthRoutes {
    private volatile Supplier<Readiness.Report> readiness;

    HealthRoutes(Supplier<Readiness.Report> readiness) {
        this.readiness = readiness;
    }

    /** Replaces what /readyz asks (before the server starts). */
    void readiness(Supplier<Readiness.Report> readiness) {
        this.readiness = readiness;
    }

    void register(RoutesConfig routes) {
        routes.get("/healthz", this::health);
        routes.get("/readyz", this::readiness);
    }

    void health(Context ctx) {
        ctx.json(new HealthReply("ok"));
    }

    void readiness(Context ctx) {
        Readiness.Report r = readiness.get();
        ReadinessReply reply = ReadinessReply.of(r);
        ctx.status(r.ready() ? 200 : 503).json(reply);
    }

    /** Body of /healthz. */
    record HealthReply(String status) {}

    /**
     * Body of /readyz: {@code status} ready / not ready, {@code phase} starting, running, stopping,
     * {@code down} the names of the dependencies down, and each dependency's last check.
     */
    record ReadinessReply(String status, String phase, List<String> down, List<Dependency> dependencies) {
        static ReadinessReply of(Readiness.Report r) {
            return new ReadinessReply(r.ready() ? "ready" : "not ready", r.phase().name().toLowerCase(Locale.ROOT),
                    r.down(), r.dependencies().stream().map(d -> new Dependency(d.name(), d.up() ? "up" : "down",
                            d.latencyMs(), d.detail())).toList());
        }
    }

    /** One dependency: name, up or down, latency of its last check in ms, detail (the error when down). */
    record Dependency(String name, String status, long latencyMs, String detail) {}
}
