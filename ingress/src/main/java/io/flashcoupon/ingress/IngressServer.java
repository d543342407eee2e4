package io.flashcoupon.ingress;

import io.flashcoupon.core.auth.AdminTokens;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.runtime.DaemonThreads;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.flashcoupon.core.saga.BranchCredential;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.flashcoupon.ingress.saga.DtmMetadata;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The gRPC server of the ingress: the Coupon service (its Saga branch RPCs gated by DTM's
 * credential, its operators' RPCs by the admin tokens) plus health and server reflection in both
 * versions - grpc.reflection.v1 and grpc.reflection.v1alpha, which many tools (ghz, older grpcurl,
 * Postman) still speak exclusively.
 */
public final class IngressServer {
    /** The Coupon service's name, one of the names the health service answers for. */
    public static final String SERVICE = "coupon.v1.Coupon";
    /** How often the health service re-reads readiness (itself cached for a second). */
    private static final long FOLLOW_EVERY_MS = 250;
    /** grpc_server_processing_duration_seconds buckets: a sold-out answer (sub-ms) to a grab's deadline. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private volatile ScheduledExecutorService follower;

    /**
     * Without RPC meters and admin tokens (tests of the server alone: the operators' RPCs answer
     * UNAUTHENTICATED); {@code dtm}: the Saga branches' credential.
     */
    public IngressServer(ServerBuilder<?> builder, BindableService coupon, BranchCredential dtm) {
        this(builder, coupon, dtm, AdminTokens.of(new ServiceConfig.Admin(List.of(), List.of(), false)), null);
    }

    /**
     * {@code dtm}: the credential the Saga branch RPCs demand ({@link DtmMetadata}); {@code admin}: the
     * tokens the operators' RPCs demand ({@link AdminRpcGate}, the admin API's); {@code metrics}
     * (null: none) gets grpc_server_* meters of every Coupon RPC: requests received, responses sent and
     * processing duration as a histogram, by service, method and (duration) status code; every method's
     * OK series exists from the start.
     */
    @SuppressWarnings("deprecation") // ProtoReflectionService is grpc-java's v1alpha reflection, kept for old clients
    public IngressServer(ServerBuilder<?> builder, BindableService coupon, BranchCredential dtm, AdminTokens admin,
            MeterRegistry metrics) {
        ServerServiceDefinition service;
        if (metrics == null) {
            service = ServerInterceptors.intercept(coupon, new DtmMetadata(dtm), new AdminRpcGate(admin));
        } else {
            MetricCollectingServerInterceptor rpcMetrics = new MetricCollectingServerInterceptor(metrics, c -> c,
                    t -> t.serviceLevelObjectives(BUCKETS), Status.Code.OK);
            service = ServerInterceptors.intercept(coupon, new DtmMetadata(dtm), new AdminRpcGate(admin),
                    rpcMetrics); // last = outermost
            rpcMetrics.preregisterService(service);
        }
        this.server = builder
                .addService(service)
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .build();
    }

    public IngressServer start() throws IOException {
        server.start();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(SERVICE, ServingStatus.SERVING);
        return this;
    }

    /**
     * From now on the health service answers, for "" and {@value #SERVICE}, what {@code ready} says
     * (the process's readiness: started, not stopping, Redis, MySQL and the broker usable), re-read
     * every {@value #FOLLOW_EVERY_MS} ms, until the stop turns it NOT_SERVING for good.
     */
    public void followReadiness(BooleanSupplier ready) {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("grpc-health"));
        follower = s;
        Runnable mirror = new Runnable() {
            private ServingStatus last;

            @Override
            public void run() {
                ServingStatus now = ready.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
                if (now != last) {
                    health.setStatus("", now);
                    health.setStatus(SERVICE, now);
                    last = now;
                }
            }
        };
        mirror.run();
        s.scheduleWithFixedDelay(mirror, FOLLOW_EVERY_MS, FOLLOW_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    public int port() {
        return server.getPort();
    }

    /** Stops taking calls, lets running ones finish for up to {@code drainMs}, then cancels the rest. */
    public void stop(long drainMs) throws InterruptedException {
        ScheduledExecutorService s = follower;
        if (s != null) {
            s.shutdownNow();
        }
        health.enterTerminalState();
        server.shutdown();
        if (!server.awaitTermination(drainMs, TimeUnit.MILLISECONDS)) {
            server.shutdownNow();
            server.awaitTermination(2, TimeUnit.SECONDS);
        }
    }
}
