package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.launcher.CouponService;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.TempTree;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Readiness follows the dependencies, not just the start: an ingress instance on a Redis of its own
 * (never the shared one) whose Redis stops reports NOT_SERVING on the gRPC health service and 503 on
 * /readyz naming Redis within 2 s; its grabs answer UNAVAILABLE and grant nothing; once Redis is back
 * it is SERVING again and grabs are granted; every grant answered has exactly its ledger entry and its
 * row (the shared harness's materializer writes them), and nothing else was granted.
 */
class ReadinessIT {
    private static final int STOCK = 50;
    private static final Duration REPORTED_WITHIN = Duration.ofSeconds(2);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void an_instance_whose_redis_stops_is_not_serving_naming_redis_grants_nothing_and_serves_again_after()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Path dir = Files.createTempDirectory("readiness-it");
        RedisProcess redis = new RedisProcess(new FaultPorts().one(), dir.resolve("redis"), dir.resolve("redis.log"));
        redis.start(Duration.ofSeconds(30));
        try (CouponService service = CouponService.start(config(h, redis.port), Clock.systemUTC())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.grpcPort()).usePlaintext()
                    .build();
            try {
                CouponGrpc.CouponBlockingStub coupon = CouponGrpc.newBlockingStub(channel);
                HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
                // the health service re-reads readiness every 250 ms; the start marks it ready last
                await("gRPC health SERVING after the start").atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(20))
                        .untilAsserted(() -> assertThat(status(health, "coupon.v1.Coupon")).as(readyzBody(service))
                                .isEqualTo(ServingStatus.SERVING));
                assertThat(status(health, "")).isEqualTo(ServingStatus.SERVING);
                JsonNode ready = readyz(service, 200);
                assertThat(ready.get("status").asText()).isEqualTo("ready");
                assertThat(names(ready.get("dependencies"))).containsExactly("redis", "mysql", "broker", "node-lease");
                ready.get("dependencies").forEach(d -> {
                    assertThat(d.get("status").asText()).as(d.toString()).isEqualTo("up");
                    assertThat(d.get("latency_ms").asLong()).as(d.toString()).isBetween(0L, 1_000L);
                });

                Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                Activity sale = h.activity(STOCK, 1, now.minusSeconds(60), now.plusSeconds(3600));
                ServiceHarness.asOperator(coupon, ServiceHarness.OPERATE_TOKEN).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(sale.id()).build());
                Set<String> granted = new HashSet<>();
                for (long user = 1; user <= 5; user++) {
                    granted.add(grant(coupon, sale.id(), user));
                }

                long t0 = System.nanoTime();
                redis.shutdown(Duration.ofSeconds(10));
                await("gRPC health NOT_SERVING after Redis stopped").atMost(REPORTED_WITHIN)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> status(health, "coupon.v1.Coupon") == ServingStatus.NOT_SERVING);
                long notServingMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(status(health, "")).isEqualTo(ServingStatus.NOT_SERVING);
                JsonNode down = readyz(service, 503);
                assertThat(down.get("status").asText()).isEqualTo("not ready");
                assertThat(down.get("phase").asText()).isEqualTo("running");
                assertThat(names(down.get("down"))).as("Redis is down (and the lease may have lapsed with it)")
                        .startsWith("redis").isSubsetOf("redis", "node-lease");
                assertThat(down.get("dependencies").get(0).get("status").asText()).isEqualTo("down");
                assertThat(down.get("dependencies").get(0).get("detail").asText()).isNotBlank();

                for (long user = 6; user <= 8; user++) {
                    long u = user;
                    assertThatThrownBy(() -> grab(coupon, sale.id(), u)).as("a grab while Redis is down")
                            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                                    e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
                }

                System.out.printf("READINESS while Redis was down: %s%n", readyzBody(service));
                long t1 = System.nanoTime();
                redis.start(Duration.ofSeconds(30));
                await("gRPC health SERVING again after Redis is back").atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> status(health, "coupon.v1.Coupon") == ServingStatus.SERVING);
                long servingMs = (System.nanoTime() - t1) / 1_000_000;
                assertThat(readyz(service, 200).get("status").asText()).isEqualTo("ready");
                for (long user = 9; user <= 10; user++) {
                    granted.add(grant(coupon, sale.id(), user));
                }
                System.out.printf("READINESS redis stopped -> NOT_SERVING in %d ms; redis started -> SERVING in %d ms%n",
                        notServingMs, servingMs);

                RedisClient client = RedisClient.create(redis.uri());
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    Map<String, String> ledger = SaleInvariants.check(c.sync(), h.service.dataSource(), sale.id(),
                            STOCK, 1, Duration.ofSeconds(60));
                    assertThat(ledger.keySet()).as("the ledger holds exactly the grants answered GRANTED")
                            .isEqualTo(granted);
                } finally {
                    client.shutdown();
                }
            } finally {
                channel.shutdownNow();
            }
        } finally {
            if (redis.alive()) {
                redis.shutdown(Duration.ofSeconds(10));
            }
            TempTree.delete(dir);
        }
    }

    /** An ingress-only instance on the harness's broker and MySQL, with {@code redisPort} as its Redis. */
    private static ServiceConfig config(ServiceHarness h, int redisPort) throws Exception {
        ServiceConfig base = ServiceRolesIT.roles(h, List.of("ingress"));
        ServiceConfig.Server s = base.server();
        return new ServiceConfig(
                new ServiceConfig.Server(s.name() + "-readiness", s.host(), 0, 0, 9, s.roles(), s.shutdownTimeoutMs()),
                base.mysql(), new ServiceConfig.Redis("127.0.0.1", redisPort, "", 0, 1_000), base.rocketmq(),
                base.business(), base.admin(), base.saga(), base.cache(), base.cdc(), base.tracing());
    }

    private static ServingStatus status(HealthGrpc.HealthBlockingStub health, String service) {
        return health.withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    private static FlashSaleResponse grab(CouponGrpc.CouponBlockingStub coupon, long activity, long user) {
        return coupon.withDeadlineAfter(15, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest.newBuilder()
                .setActivityId(activity).setUserId(user).setRequestId("readiness-" + activity + "-" + user).build());
    }

    private static String grant(CouponGrpc.CouponBlockingStub coupon, long activity, long user) {
        FlashSaleResponse r = grab(coupon, activity, user);
        assertThat(r.getCode()).as("grab of user %d", user).isEqualTo(GrabCode.GRANTED);
        return r.getCouponSn();
    }

    private JsonNode readyz(CouponService service, int expected) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + service.httpPort() + "/readyz")).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
        return json.readTree(r.body());
    }

    private String readyzBody(CouponService service) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/readyz"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new java.util.ArrayList<>();
        array.forEach(n -> names.add(n.isTextual() ? n.asText() : n.get("name").asText()));
        return names;
    }
}
