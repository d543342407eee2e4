package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.proto.v1.LockCouponRequest;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review finding: the Saga's branch_headers, which DTM v1.18.0 stores with the global transaction
 * and hands back to anyone who asks its (unauthenticated) query API, used to hold saga.branch-token
 * itself, so whoever reached DTM's HTTP port could lock, use, unlock or revert any coupon on the
 * shoppers' port 9090. Now they hold the Saga's own credential (HMAC of its gid): the secret is not
 * in DTM's answer, and the value that is opens no other Saga's branches.
 */
class BranchTokenExposureIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void dtm_query_api_hands_out_only_a_credential_good_for_its_own_saga() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        WalletFixture w = new WalletFixture(h);
        Template template = w.fullCut();
        long user = 9_500_000 + (System.currentTimeMillis() % 100_000) * 10;
        long coupon = w.coupon(user, template.id());

        // a Saga whose branches point nowhere: only what DTM stores of it matters
        String gid = Dtm.newGid();
        Dtm.submitSaga(gid, List.of(new Dtm.Step("http://127.0.0.1:1/nowhere/lock",
                "http://127.0.0.1:1/nowhere/unlock", "{}")), ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid), 1);
        HttpResponse<String> q = HTTP.send(HttpRequest.newBuilder(
                URI.create(Dtm.BASE + "/api/dtmsvr/query?gid=" + gid)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(q.statusCode()).isEqualTo(200);
        assertThat(q.body()).as("an unauthenticated GET of DTM's query API does not reveal the secret")
                .doesNotContain(ServiceHarness.SAGA_BRANCH_TOKEN);
        String leaked = new ObjectMapper().readTree(q.body()).at("/transaction/branch_headers/authorization").asText();
        assertThat(leaked).as("what DTM stored is this Saga's credential")
                .isEqualTo(ServiceHarness.BRANCH_CREDENTIAL.forSaga(gid));

        // the leaked value used for another Saga (another coupon): refused over HTTP and gRPC
        String other = "it-exposure-" + gid;
        String body = SagaIT.payload(user, coupon, "order-" + other);
        HttpResponse<String> http = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.service.httpPort() + "/api/v1/dtm/lock?gid=" + other + "&trans_type=saga&branch_id=01&op=action"))
                .header("content-type", "application/json").header("Authorization", leaked)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(http.statusCode()).as(http.body()).isEqualTo(401);

        Metadata m = new Metadata();
        m.put(Metadata.Key.of("dtm-gid", Metadata.ASCII_STRING_MARSHALLER), other);
        m.put(Metadata.Key.of("dtm-trans_type", Metadata.ASCII_STRING_MARSHALLER), "saga");
        m.put(Metadata.Key.of("dtm-branch_id", Metadata.ASCII_STRING_MARSHALLER), "01");
        m.put(Metadata.Key.of("dtm-op", Metadata.ASCII_STRING_MARSHALLER), "action");
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), leaked);
        assertThatThrownBy(() -> h.blocking.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .lockUserCoupon(LockCouponRequest.newBuilder().setUserId(user).setCouponId(coupon)
                        .setOrderSn("order-" + other).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        assertThat(w.row(coupon).status()).as("nothing locked").isEqualTo(1);
        assertThat(w.barrier(other)).isEmpty();
        assertThat(w.outboxTags(coupon)).isEmpty();
    }
}
