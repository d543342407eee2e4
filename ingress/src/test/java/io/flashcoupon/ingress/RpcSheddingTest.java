package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.GetTemplateRequest;
import io.flashcoupon.proto.v1.LockCouponRequest;
import io.flashcoupon.proto.v1.TemplateResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The non-grab RPCs at their gRPC boundary, in-process: they run on their class's bounded executor,
 * never on the transport thread, and a full executor answers RESOURCE_EXHAUSTED at once while the
 * other classes are served.
 */
class RpcSheddingTest {
    private static final String BRANCH_TOKEN = "unit-saga-branch-token-0123456789";
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    volatile String readThread;
    IngressServer server;
    ManagedChannel channel;
    RpcExecutors executors;

    static final Template TEMPLATE = new Template(5, "5 off", CouponType.FULL_CUT, 500, 0, 0, null, 100, 1, null,
            null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null);

    CouponGrpc.CouponBlockingStub start() throws Exception {
        // One read thread and one waiting read; the Saga class has its own thread.
        executors = RpcExecutors.bounded(new ServiceConfig.Reads(200, 1000, 10, 1, 1, 1, 1, 1, 1), e -> e);
        executors.bindTo(registry);
        WalletGrpc wallet = new WalletGrpc(null, id -> {
            readThread = Thread.currentThread().getName();
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.of(TEMPLATE);
        }, null, id -> { }, null, Clock.systemUTC());
        CouponGrpcService service = new CouponGrpcService(null, null, null, null, null, null, null, executors,
                new GrabMetrics(registry), Duration.ofMillis(5), null, wallet, null);
        String name = InProcessServerBuilder.generateName();
        server = new IngressServer(InProcessServerBuilder.forName(name).callExecutor(new CouponCallExecutors()),
                service, io.flashcoupon.core.saga.BranchCredential.of(BRANCH_TOKEN)).start();
        channel = InProcessChannelBuilder.forName(name).build();
        return CouponGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        channel.shutdownNow();
        server.stop(1_000);
        executors.shutdown(1_000);
    }

    @Test
    void a_read_beyond_the_read_executors_threads_and_queue_is_shed_while_other_classes_are_served()
            throws Exception {
        CouponGrpc.CouponBlockingStub stub = start();
        CouponGrpc.CouponStub async = CouponGrpc.newStub(channel);
        CompletableFuture<TemplateResponse> running = call(async);
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<TemplateResponse> queued = call(async);
        org.awaitility.Awaitility.await("the second read is queued").atMost(Duration.ofSeconds(10))
                .until(() -> registry.get("coupon.rpc.in.flight").tag("class", "read").gauge().value() == 2.0);

        assertThatThrownBy(() -> stub.getCouponTemplate(GetTemplateRequest.newBuilder().setId(5).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).contains("too many read calls");
                });
        assertThat(registry.get("coupon.rpc.shed").tag("class", "read").counter().count()).isEqualTo(1.0);
        // The Saga class has threads of its own: served (UNIMPLEMENTED here: no branches wired), not shed -
        // once the call carries DTM's credential; without it the gate refuses it before any executor.
        assertThatThrownBy(() -> stub.lockUserCoupon(LockCouponRequest.newBuilder().build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        io.flashcoupon.core.saga.BranchCredential credential = io.flashcoupon.core.saga.BranchCredential.of(BRANCH_TOKEN);
        // the credential is per Saga: the bare secret, another gid's value, or no dtm-gid are refused
        for (String[] gidAndAuth : new String[][] {{"unit-gid-1", "Bearer " + BRANCH_TOKEN},
                {"unit-gid-1", credential.forSaga("unit-gid-2")}, {null, credential.forSaga("unit-gid-1")}}) {
            assertThatThrownBy(() -> stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(
                    dtmMetadata(gidAndAuth[0], gidAndAuth[1]))).lockUserCoupon(LockCouponRequest.newBuilder().build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        }
        assertThatThrownBy(() -> stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(
                dtmMetadata("unit-gid-1", credential.forSaga("unit-gid-1"))))
                .lockUserCoupon(LockCouponRequest.newBuilder().build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

        release.countDown();
        assertThat(running.get(10, TimeUnit.SECONDS).getTemplate().getName()).isEqualTo("5 off");
        assertThat(queued.get(10, TimeUnit.SECONDS).getTemplate().getId()).isEqualTo(5);
        assertThat(readThread).as("ran on the read executor, not a transport thread").startsWith("read");
    }

    static CompletableFuture<TemplateResponse> call(CouponGrpc.CouponStub async) {
        CompletableFuture<TemplateResponse> f = new CompletableFuture<>();
        async.withDeadlineAfter(10, TimeUnit.SECONDS).getCouponTemplate(GetTemplateRequest.newBuilder().setId(5)
                .build(), new StreamObserver<>() {
                    @Override
                    public void onNext(TemplateResponse r) {
                        f.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        f.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        return f;
    }

    private static io.grpc.Metadata dtmMetadata(String gid, String authorization) {
        io.grpc.Metadata m = new io.grpc.Metadata();
        if (gid != null) {
            m.put(io.grpc.Metadata.Key.of("dtm-gid", io.grpc.Metadata.ASCII_STRING_MARSHALLER), gid);
        }
        m.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), authorization);
        return m;
    }
}
