package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.systemtest.support.ServiceHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review finding: docs/saga.md and BranchCredential say only DTM holds saga.branch-token, but the
 * token travels in the Saga's branch_headers, which DTM v1.18.0 stores with the global transaction
 * and hands back to anyone who asks its (unauthenticated) query API. Whoever reaches DTM's HTTP port
 * can read the token and then lock, use, unlock or revert any coupon on the shoppers' port 9090.
 * No coupon service is needed: the Saga's branches point nowhere.
 */
class BranchTokenExposureIT {
    @Test
    void dtm_query_api_does_not_hand_out_the_branch_token() throws Exception {
        String gid = Dtm.newGid();
        Dtm.submitSaga(gid, List.of(new Dtm.Step("http://127.0.0.1:1/nowhere/lock",
                "http://127.0.0.1:1/nowhere/unlock", "{}")), ServiceHarness.SAGA_BRANCH_TOKEN, 1);

        HttpResponse<String> q = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(Dtm.BASE + "/api/dtmsvr/query?gid=" + gid)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(q.statusCode()).isEqualTo(200);
        assertThat(q.body()).as("an unauthenticated GET of DTM's query API reveals the branch credential")
                .doesNotContain(ServiceHarness.SAGA_BRANCH_TOKEN);
    }
}
