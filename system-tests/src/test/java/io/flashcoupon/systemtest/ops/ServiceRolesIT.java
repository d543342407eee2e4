package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.launcher.CouponService;
import io.flashcoupon.systemtest.support.ServiceHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A process started with a subset of server.roles runs only those parts (the compose split into
 * ingress / topology / admin containers), and every process serves /metrics and the probes on its
 * HTTP port. The role-limited processes use the shared harness's broker, MySQL and Redis.
 */
public class ServiceRolesIT {
    /** Registered when the materializer starts (topology role), so /metrics shows where it runs. */
    private static final String MATERIALIZER_METER = "coupon_materializer_lag_seconds";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void a_topology_only_process_runs_the_materializer_and_serves_only_metrics_and_probes() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        try (CouponService topology = CouponService.start(roles(h, List.of("topology")), Clock.systemUTC())) {
            assertThat(topology.grpcPort()).as("no gRPC ingress").isEqualTo(-1);
            assertOpsOnly(topology.httpPort());
            assertThat(get(topology.httpPort(), "/metrics").body()).as("the materializer's meters")
                    .contains(MATERIALIZER_METER);
        }
    }

    @Test
    void an_ingress_only_process_serves_grpc_without_materializer_or_admin_api() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        try (CouponService ingress = CouponService.start(roles(h, List.of("ingress")), Clock.systemUTC())) {
            assertThat(ingress.grpcPort()).isPositive();
            assertOpsOnly(ingress.httpPort());
            assertThat(get(ingress.httpPort(), "/metrics").body()).as("grab meters of the ingress")
                    .contains("coupon_grabs_in_flight").as("no materializer").doesNotContain(MATERIALIZER_METER);
        }
    }

    @Test
    void an_admin_only_process_serves_the_rest_api_and_nothing_else() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        try (CouponService admin = CouponService.start(roles(h, List.of("admin")), Clock.systemUTC())) {
            assertThat(get(admin.httpPort(), "/api/v1/templates").statusCode()).isEqualTo(200);
            assertThat(admin.grpcPort()).as("no gRPC ingress").isEqualTo(-1);
            HttpResponse<String> metrics = get(admin.httpPort(), "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).as("no materializer").doesNotContain(MATERIALIZER_METER);
        }
    }

    /** GET /metrics (with JVM meters), /healthz and /readyz answer 200; the admin API is not there. */
    private void assertOpsOnly(int port) throws Exception {
        HttpResponse<String> metrics = get(port, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
        assertThat(get(port, "/readyz").statusCode()).isEqualTo(200);
        HttpResponse<String> absent = get(port, "/api/v1/templates");
        assertThat(absent.statusCode()).as("no admin API").isEqualTo(404);
        assertThat(absent.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(absent.body()).as("the admin API's error body").contains("\"error\":\"not_found\"");
    }

    /** The harness's configuration with {@code roles}, its broker used as an external one, free ports. */
    public static ServiceConfig roles(ServiceHarness h, List<String> roles) throws Exception {
        ServiceConfig base = ServiceHarness.config();
        ServiceConfig.Server s = base.server();
        ServiceConfig.Rocketmq mq = base.rocketmq();
        return new ServiceConfig(
                new ServiceConfig.Server(s.name() + "-" + String.join("-", roles), s.host(), 0, 0, 2, roles,
                        s.shutdownTimeoutMs()),
                base.mysql(), base.redis(),
                new ServiceConfig.Rocketmq(false, mq.embeddedHome(), mq.namesrvPort(), mq.brokerPort(),
                        List.of(h.service.namesrvAddr()), mq.sendTimeoutMs()),
                base.business(), base.admin(), base.saga(), base.cache(),
                // one binlog reader per replication id: the harness's own service runs it
                new ServiceConfig.Cdc(new ServiceConfig.Embedded(false, base.cdc().embedded().serverId(),
                        base.cdc().embedded().stateDir(), base.cdc().embedded().tables(),
                        base.cdc().embedded().pollIntervalMs())),
                base.tracing());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + ServiceHarness.READ_TOKEN)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
