package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.auth.AdminTokens;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.saga.BranchCredential;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.CreateTemplateRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusResponse;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.proto.v1.StartFlashSaleResponse;
import io.flashcoupon.proto.v1.TemplateResponse;
import io.flashcoupon.proto.v1.UpdateTemplateRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operators' RPCs are closed to callers without an admin token; the shoppers' RPCs stay open. */
class AdminRpcGateTest {
    static final String READ = "Bearer read-token-0123456789";
    static final String OPERATE = "Bearer operate-token-0123456789";

    final List<AdminTokens.Caller> reached = new CopyOnWriteArrayList<>();
    final AtomicReference<String> requestId = new AtomicReference<>();
    IngressServer server;
    ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        CouponGrpc.CouponImplBase service = new CouponGrpc.CouponImplBase() {
            @Override
            public void startFlashSale(StartFlashSaleRequest r, StreamObserver<StartFlashSaleResponse> out) {
                reached.add(AdminRpcGate.CALLER.get());
                requestId.set(AdminRpcGate.REQUEST_ID.get());
                out.onNext(StartFlashSaleResponse.getDefaultInstance());
                out.onCompleted();
            }

            @Override
            public void createCouponTemplate(CreateTemplateRequest r, StreamObserver<TemplateResponse> out) {
                reached.add(AdminRpcGate.CALLER.get());
                out.onNext(TemplateResponse.getDefaultInstance());
                out.onCompleted();
            }

            @Override
            public void updateCouponTemplate(UpdateTemplateRequest r, StreamObserver<TemplateResponse> out) {
                reached.add(AdminRpcGate.CALLER.get());
                out.onNext(TemplateResponse.getDefaultInstance());
                out.onCompleted();
            }

            @Override
            public void getFlashSaleStatus(FlashSaleStatusRequest r, StreamObserver<FlashSaleStatusResponse> out) {
                out.onNext(FlashSaleStatusResponse.getDefaultInstance());
                out.onCompleted();
            }
        };
        server = new IngressServer(InProcessServerBuilder.forName(name).directExecutor(), service,
                BranchCredential.of("unit-saga-branch-token-0123456789"),
                AdminTokens.of(new ServiceConfig.Admin(List.of("read-token-0123456789"),
                        List.of("operate-token-0123456789"), false, List.of("reader"), List.of("alice"))),
                null).start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.stop(1_000);
    }

    CouponGrpc.CouponBlockingStub stub(String authorization, String requestId) {
        Metadata m = new Metadata();
        if (authorization != null) {
            m.put(AdminRpcGate.AUTHORIZATION, authorization);
        }
        if (requestId != null) {
            m.put(AdminRpcGate.X_REQUEST_ID, requestId);
        }
        return CouponGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    @Test
    void no_malformed_or_unknown_token_is_unauthenticated_before_the_service() {
        StartFlashSaleRequest start = StartFlashSaleRequest.newBuilder().setActivityId(1).build();
        for (String authorization : new String[] {null, "Bearer ", "operate-token-0123456789",
                "Bearer unknown-token-0123456789", "Bearer " + "unit-saga-branch-token-0123456789"}) {
            assertThatThrownBy(() -> stub(authorization, null).startFlashSale(start)).as(String.valueOf(authorization))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription()).contains("authorization: Bearer <token>")
                                .contains("admin.operate-tokens");
                    });
        }
        assertThatThrownBy(() -> stub(null, null).createCouponTemplate(CreateTemplateRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> stub(READ.replace("read", "reed"), null)
                .updateCouponTemplate(UpdateTemplateRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(reached).as("nothing reached the service").isEmpty();
    }

    @Test
    void a_known_token_reaches_the_service_with_its_caller_and_request_id() {
        stub(OPERATE, "req-42").startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(1).build());
        assertThat(requestId.get()).isEqualTo("req-42");
        stub(READ, "bad id with spaces").startFlashSale(StartFlashSaleRequest.newBuilder().setActivityId(1).build());
        assertThat(requestId.get()).as("a malformed request id is replaced").isNotEqualTo("bad id with spaces")
                .matches("[0-9a-f-]{36}");
        stub(OPERATE, null).createCouponTemplate(CreateTemplateRequest.getDefaultInstance());
        stub(OPERATE, null).updateCouponTemplate(UpdateTemplateRequest.getDefaultInstance());
        assertThat(reached).containsExactly(new AdminTokens.Caller("alice", AdminTokens.Role.OPERATE),
                new AdminTokens.Caller("reader", AdminTokens.Role.READ),
                new AdminTokens.Caller("alice", AdminTokens.Role.OPERATE),
                new AdminTokens.Caller("alice", AdminTokens.Role.OPERATE));
    }

    @Test
    void the_shoppers_rpcs_need_no_token() {
        assertThat(stub(null, null).getFlashSaleStatus(FlashSaleStatusRequest.newBuilder().setActivityId(1).build()))
                .isEqualTo(FlashSaleStatusResponse.getDefaultInstance());
    }

    @Test
    void the_request_id_is_kept_when_printable_and_at_most_128_characters() {
        assertThat(AdminRpcGate.requestId("abc-123")).isEqualTo("abc-123");
        assertThat(AdminRpcGate.requestId("x".repeat(128))).isEqualTo("x".repeat(128));
        assertThat(AdminRpcGate.requestId("x".repeat(129))).hasSize(36);
        assertThat(AdminRpcGate.requestId("")).hasSize(36);
        assertThat(AdminRpcGate.requestId(null)).hasSize(36);
    }
}
