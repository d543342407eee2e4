package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class HttpMetricsTest {
    @Test
    void requests_are_timed_by_route_template_never_by_raw_path() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Javalin app = Javalin.create(config -> {
            HttpMetrics.install(config, registry);
            config.routes.get("/api/v1/activities/{id}", ctx -> ctx.result("sale " + ctx.pathParam("id")));
            config.routes.post("/api/v1/activities/{id}/start", ctx -> ctx.status(409).result("refused"));
            config.routes.delete("/api/v1/templates/{id}", ctx -> ctx.status(204));
            config.routes.before("/api/v1/secret/*", ctx -> {
                throw new io.javalin.http.UnauthorizedResponse();
            });
            config.routes.get("/api/v1/secret/{id}", ctx -> ctx.result("never"));
        });
        assertThat(timer(registry, "DELETE", "/api/v1/templates/{id}", "200").count())
                .as("every route listed from the start").isZero();
        TestServer.test(app, client -> {
            assertThat(client.get("/api/v1/activities/41").statusCode()).isEqualTo(200);
            assertThat(client.get("/api/v1/activities/42").statusCode()).isEqualTo(200);
            assertThat(client.post("/api/v1/activities/42/start").statusCode()).isEqualTo(409);
            assertThat(client.get("/wp-login.php").statusCode()).isEqualTo(404);
            assertThat(client.get("/random/7f3a").statusCode()).isEqualTo(404);
            assertThat(client.get("/api/v1/secret/9").statusCode()).isEqualTo(401);
        });
        assertThat(timer(registry, "GET", "/api/v1/activities/{id}", "200").count()).isEqualTo(2);
        assertThat(timer(registry, "POST", "/api/v1/activities/{id}/start", "409").count()).isEqualTo(1);
        assertThat(timer(registry, "GET", "unmatched", "404").count()).as("scanners' paths share one series")
                .isEqualTo(2);
        assertThat(timer(registry, "GET", "/api/v1/secret/{id}", "401").count())
                .as("refused before its handler ran, still by its route").isEqualTo(1);
        // the four answered above, and the status-200 series of the three routes that answered otherwise
        assertThat(registry.find(HttpMetrics.NAME).timers()).as(registry.getMetersAsString()).hasSize(7);
    }

    private static Timer timer(SimpleMeterRegistry registry, String method, String route, String status) {
        Timer t = registry.find(HttpMetrics.NAME).tags("method", method, "route", route, "status", status).timer();
        assertThat(t).as("%s %s %s in %s", method, route, status, registry.getMetersAsString()).isNotNull();
        return t;
    }
}
