package io.flashcoupon.admin;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.function.BooleanSupplier;

/** /healthz (the process answers) and /readyz (its dependencies are usable, as the supplier says). */
final class HealthRoutes {
    private final BooleanSupplier ready;

    HealthRoutes(BooleanSupplier ready) {
        this.ready = ready;
    }

    void register(Javalin app) {
        app.get("/healthz", this::health);
        app.get("/readyz", this::readiness);
    }

    void health(Context ctx) {
        ctx.json(new HealthReply("ok"));
    }

    void readiness(Context ctx) {
        if (ready.getAsBoolean()) {
            ctx.json(new HealthReply("ready"));
        } else {
            ctx.status(503).json(new HealthReply("not ready"));
        }
    }

    /** Body of both probes. */
    record HealthReply(String status) {}
}
