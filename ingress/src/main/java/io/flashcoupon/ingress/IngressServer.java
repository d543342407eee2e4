package io.flashcoupon.ingress;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.flashcoupon.core.saga.BranchCredential;
import io.flashcoupon.ingress.saga.DtmMetadata;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server of the ingress: the Coupon service (its Saga branch RPCs gated by DTM's
 * credential) plus health and server reflection in both
 * versions - grpc.reflection.v1 and grpc.reflection.v1alpha, which many tools (ghz, older grpcurl,
 * Postman) still speak exclusively.
 */
public final class IngressServer {
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();

    @SuppressWarnings("deprecation") // ProtoReflectionService is grpc-java's v1alpha reflection, kept for old clients
    /** {@code dtm}: the credential the Saga branch RPCs demand ({@link DtmMetadata}). */
    public IngressServer(ServerBuilder<?> builder, BindableService coupon, BranchCredential dtm) {
        this.server = builder
                .addService(ServerInterceptors.intercept(coupon, new DtmMetadata(dtm)))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .build();
    }

    public IngressServer start() throws IOException {
        server.start();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus("coupon.v1.Coupon", ServingStatus.SERVING);
        return this;
    }

    public int port() {
        return server.getPort();
    }

    /** Stops taking calls, lets running ones finish for up to {@code drainMs}, then cancels the rest. */
    public void stop(long drainMs) throws InterruptedException {
        health.enterTerminalState();
        server.shutdown();
        if (!server.awaitTermination(drainMs, TimeUnit.MILLISECONDS)) {
            server.shutdownNow();
            server.awaitTermination(2, TimeUnit.SECONDS);
        }
    }
}
