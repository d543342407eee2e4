package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.audit.AuditLog;
import io.flashcoupon.core.audit.AuditQuery;
import io.flashcoupon.core.audit.AuditRecord;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.CreateTemplateRequest;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.proto.v1.Template;
import io.flashcoupon.proto.v1.UpdateTemplateRequest;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operators' RPCs on the shoppers' port (the shared {@link ServiceHarness}: real MariaDB, Redis and
 * broker) take the admin API's tokens: no token is UNAUTHENTICATED and changes nothing (and names
 * nobody, so nothing is recorded), a read token is PERMISSION_DENIED, changes nothing and is recorded
 * as refused, an operate token does the call and is recorded under the token's name - in the same
 * audit_log, with the same action names, as the REST calls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcAdminAuthIT {
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private ServiceHarness h;
    private AuditLog audit;

    @BeforeAll
    void start() throws Exception {
        h = ServiceHarness.get();
        audit = new AuditLog(h.service.dataSource());
    }

    /** The blocking stub with {@code token} (null: none) and request id {@code requestId} (null: none). */
    private CouponGrpc.CouponBlockingStub stub(String token, String requestId) {
        CouponGrpc.CouponBlockingStub s = token == null ? h.blocking : ServiceHarness.asOperator(h.blocking, token);
        if (requestId != null) {
            Metadata m = new Metadata();
            m.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), requestId);
            s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
        }
        return s.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private List<AuditRecord> records(String action, String type, long id) {
        return audit.list(new AuditQuery(null, action, type, Long.toString(id), null, null, 0, 50));
    }

    private static void assertCode(Runnable call, Status.Code code, String describes) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(describes);
        });
    }

    @Test
    void start_flash_sale_needs_an_operate_token_and_every_known_caller_is_recorded() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Activity a = h.activity(10, 1, now.minusSeconds(60), now.plusSeconds(3600));
        StartFlashSaleRequest start = StartFlashSaleRequest.newBuilder().setActivityId(a.id()).build();

        assertCode(() -> stub(null, null).startFlashSale(start), Status.Code.UNAUTHENTICATED,
                "authorization: Bearer <token>");
        assertCode(() -> stub("not-a-known-token-0123456789", null).startFlashSale(start),
                Status.Code.UNAUTHENTICATED, "admin.operate-tokens");
        assertThat(h.activities.find(a.id()).orElseThrow().status()).as("not started").isEqualTo(ActivityStatus.PENDING);
        assertThat(records("activity.start", "activity", a.id())).as("an unknown caller names nobody").isEmpty();

        assertCode(() -> stub(ServiceHarness.READ_TOKEN, "grpc-read-" + run).startFlashSale(start),
                Status.Code.PERMISSION_DENIED, "role operate");
        assertThat(h.activities.find(a.id()).orElseThrow().status()).as("not started").isEqualTo(ActivityStatus.PENDING);
        assertThat(records("activity.start", "activity", a.id())).singleElement().satisfies(r -> {
            assertThat(r.actorName()).isEqualTo(ServiceHarness.READ_TOKEN_NAME);
            assertThat(r.actorRole()).isEqualTo("read");
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.REFUSED);
            assertThat(r.httpStatus()).isEqualTo(403);
            assertThat(r.reason()).startsWith("PERMISSION_DENIED:");
            assertThat(r.requestId()).isEqualTo("grpc-read-" + run);
            assertThat(r.toString()).doesNotContain(ServiceHarness.READ_TOKEN);
        });

        assertThat(stub(ServiceHarness.OPERATE_TOKEN, "grpc-start-" + run).startFlashSale(start).getActivity()
                .getId()).isEqualTo(a.id());
        assertThat(h.activities.find(a.id()).orElseThrow().status()).isEqualTo(ActivityStatus.ACTIVE);
        List<AuditRecord> recorded = records("activity.start", "activity", a.id());
        assertThat(recorded).hasSize(2);
        assertThat(recorded.get(0)).satisfies(r -> { // newest first
            assertThat(r.actorName()).isEqualTo(ServiceHarness.OPERATE_TOKEN_NAME);
            assertThat(r.actorRole()).isEqualTo("operate");
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.DONE);
            assertThat(r.httpStatus()).isEqualTo(200);
            assertThat(r.requestId()).isEqualTo("grpc-start-" + run);
            assertThat(r.before()).contains("\"status\":\"PENDING\"");
            assertThat(r.after()).contains("\"status\":\"ACTIVE\"");
        });

        assertCode(() -> stub(ServiceHarness.OPERATE_TOKEN, null).startFlashSale(start),
                Status.Code.FAILED_PRECONDITION, "");
        assertThat(records("activity.start", "activity", a.id()).get(0)).satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.REFUSED);
            assertThat(r.httpStatus()).isEqualTo(409);
            assertThat(r.requestId()).as("generated").hasSize(36);
        });
    }

    @Test
    void template_writes_need_an_operate_token_and_are_recorded_under_its_name() {
        Template t = Template.newBuilder().setName("gRPC auth " + run)
                .setType(io.flashcoupon.proto.v1.CouponType.PERCENT_OFF).setDiscountBps(1000)
                .setMaxDiscountCents(300).setTotalCount(100).setValidDays(7).build();
        CreateTemplateRequest create = CreateTemplateRequest.newBuilder().setTemplate(t).build();
        assertCode(() -> stub(null, null).createCouponTemplate(create), Status.Code.UNAUTHENTICATED, "Bearer");
        assertCode(() -> stub(ServiceHarness.READ_TOKEN, null).createCouponTemplate(create),
                Status.Code.PERMISSION_DENIED, "role operate");
        assertThat(h.templates.list(null, 0, 200)).as("nothing created")
                .noneMatch(x -> x.name().equals("gRPC auth " + run));

        long id = stub(ServiceHarness.OPERATE_TOKEN, null).createCouponTemplate(create).getTemplate().getId();
        assertThat(records("template.create", "template", id)).singleElement().satisfies(r -> {
            assertThat(r.actorName()).isEqualTo(ServiceHarness.OPERATE_TOKEN_NAME);
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.DONE);
            assertThat(r.before()).isNull();
            assertThat(r.after()).contains("gRPC auth " + run);
        });

        UpdateTemplateRequest update = UpdateTemplateRequest.newBuilder()
                .setTemplate(t.toBuilder().setId(id).setName("gRPC auth renamed " + run)).build();
        assertCode(() -> stub(null, null).updateCouponTemplate(update), Status.Code.UNAUTHENTICATED, "Bearer");
        assertCode(() -> stub(ServiceHarness.READ_TOKEN, "grpc-upd-read-" + run).updateCouponTemplate(update),
                Status.Code.PERMISSION_DENIED, "role operate");
        assertThat(h.templates.find(id).orElseThrow().name()).as("unchanged").isEqualTo("gRPC auth " + run);
        assertThat(records("template.update", "template", id)).singleElement().satisfies(r -> {
            assertThat(r.actorName()).isEqualTo(ServiceHarness.READ_TOKEN_NAME);
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.REFUSED);
            assertThat(r.requestId()).isEqualTo("grpc-upd-read-" + run);
        });

        stub(ServiceHarness.OPERATE_TOKEN, "grpc-upd-" + run).updateCouponTemplate(update);
        assertThat(h.templates.find(id).orElseThrow().name()).isEqualTo("gRPC auth renamed " + run);
        assertThat(records("template.update", "template", id).get(0)).satisfies(r -> {
            assertThat(r.actorName()).isEqualTo(ServiceHarness.OPERATE_TOKEN_NAME);
            assertThat(r.outcome()).isEqualTo(AuditRecord.Outcome.DONE);
            assertThat(r.requestId()).isEqualTo("grpc-upd-" + run);
            assertThat(r.before()).contains("\"name\":\"gRPC auth " + run + "\"");
            assertThat(r.after()).contains("\"name\":\"gRPC auth renamed " + run + "\"");
        });
    }
}
