package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.proto.v1.CouponGrpc;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Server reflection answers in both versions, v1 and v1alpha (what ghz and older grpcurl speak). */
class ReflectionTest {
    IngressServer server;
    ManagedChannel channel;

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.stop(1_000);
    }

    @Test
    void both_reflection_versions_list_the_coupon_service() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = new IngressServer(InProcessServerBuilder.forName(name), new CouponGrpc.CouponImplBase() { },
                io.flashcoupon.core.saga.BranchCredential.of("unit-saga-branch-token-0123456789")).start();
        channel = InProcessChannelBuilder.forName(name).build();

        CompletableFuture<List<String>> v1 = new CompletableFuture<>();
        StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> r1 = io.grpc.reflection.v1.ServerReflectionGrpc
                .newStub(channel).serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                        v1.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1.ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        v1.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        r1.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());

        CompletableFuture<List<String>> alpha = new CompletableFuture<>();
        StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> ra = io.grpc.reflection.v1alpha
                .ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse r) {
                        alpha.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        alpha.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        ra.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build());

        assertThat(v1.get(10, TimeUnit.SECONDS)).contains("coupon.v1.Coupon", "grpc.reflection.v1alpha.ServerReflection");
        assertThat(alpha.get(10, TimeUnit.SECONDS)).contains("coupon.v1.Coupon", "grpc.reflection.v1.ServerReflection");
        r1.onCompleted();
        ra.onCompleted();
    }
}
