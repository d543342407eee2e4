package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.runtime.Readiness;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthRoutesTest {
    @Test
    void readyz_names_the_dependency_that_is_down_with_its_latency_and_error() {
        Readiness.Report report = new Readiness.Report(false, Readiness.Phase.RUNNING, List.of(
                new Readiness.DependencyState("redis", false, 500, "no answer within 500 ms"),
                new Readiness.DependencyState("mysql", true, 3, ""),
                new Readiness.DependencyState("broker", true, 2, "name server 127.0.0.1:9876 routes coupon-events")));
        ApiJson json = new ApiJson(ApiJson.newMapper());
        Javalin app = Javalin.create(config -> {
            config.jsonMapper(new JavalinJackson(json.mapper(), false));
            new HealthRoutes(() -> report).register(config.routes);
        });
        TestServer.test(app, client -> {
            var r = client.get("/readyz");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"status\":\"not ready\",\"phase\":\"running\",\"down\":[\"redis\"],"
                    + "\"dependencies\":[{\"name\":\"redis\",\"status\":\"down\",\"latency_ms\":500,"
                    + "\"detail\":\"no answer within 500 ms\"},{\"name\":\"mysql\",\"status\":\"up\",\"latency_ms\":3,"
                    + "\"detail\":\"\"},{\"name\":\"broker\",\"status\":\"up\",\"latency_ms\":2,"
                    + "\"detail\":\"name server 127.0.0.1:9876 routes coupon-events\"}]}");
            assertThat(client.get("/healthz").statusCode()).as("liveness checks nothing").isEqualTo(200);
        });
    }
}
