package io.flashcoupon.systemtest.reads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.wallet.GrantRow;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.FlashSaleStatusRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.sinks.GrantedCoupon;
import io.flashcoupon.sinks.SinkMetrics;
import io.flashcoupon.sinks.UserCouponSink;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * GetFlashSaleStatus on the real stores: pollers share one Redis read per period, and the admin
 * status's materialized figure is the sink's counter, equal to the rows after a concurrent sale and
 * unmoved by a redelivered batch.
 */
class SaleStatusIT {
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper json = new ObjectMapper();

    @Test
    void the_sinks_counter_equals_the_rows_after_a_concurrent_sale_and_a_redelivery_adds_nothing() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(300, 1);
        grabConcurrently(h, sale.id(), 400, 1_500_000L);

        await("every grant materialized and counted").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> adminStatus(h, sale.id()).path("materialized")
                        .asLong() == 300);
        assertThat(counter(h, sale.id())).isEqualTo(rows(h, sale.id())).isEqualTo(300);
        JsonNode status = adminStatus(h, sale.id());
        assertThat(status.path("granted").asLong()).isEqualTo(300);

        // The sale's rows delivered again, with one grant never written before: only that one counts.
        List<GrantedCoupon> again = new ArrayList<>();
        for (GrantRow r : new UserCouponRepository(h.service.dataSource()).grantsByActivity(sale.id())) {
            again.add(new GrantedCoupon(r.couponSn(), r.activityId(), sale.templateId(), 1, r.userId(), r.seq(),
                    System.currentTimeMillis(), Instant.now(), Instant.now().plusSeconds(86_400), null));
        }
        again.add(new GrantedCoupon("ITSTATUS" + sale.id(), sale.id(), sale.templateId(), 1, 9_999_999L, 1,
                System.currentTimeMillis(), Instant.now(), Instant.now().plusSeconds(86_400), null));
        UserCouponSink sink = new UserCouponSink(h.service.dataSource(),
                new SinkMetrics(new SimpleMeterRegistry(), "it"), Clock.systemUTC());
        assertThat(sink.write(again)).as("nothing refused").isEmpty();
        assertThat(counter(h, sale.id())).isEqualTo(rows(h, sale.id())).isEqualTo(301);
        assertThat(sink.write(again.subList(0, 10))).isEmpty();
        assertThat(counter(h, sale.id())).as("a pure redelivery").isEqualTo(301);
    }

    @Test
    void pollers_of_a_live_sale_share_one_redis_read_per_period() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(1_000, 1);
        grabConcurrently(h, sale.id(), 100, 2_500_000L);
        double before = metric(h, "coupon_status_reads_total{source=\"redis\"}");
        int calls = 2_000;
        ConcurrentLinkedQueue<FlashSaleStatusResponse> answers = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Semaphore window = new Semaphore(128);
        CountDownLatch done = new CountDownLatch(calls);
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            window.acquire();
            h.async.withDeadlineAfter(10, TimeUnit.SECONDS).getFlashSaleStatus(
                    FlashSaleStatusRequest.newBuilder().setActivityId(sale.id()).build(), new StreamObserver<>() {
                        @Override
                        public void onNext(FlashSaleStatusResponse r) {
                            answers.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            errors.add(t);
                            window.release();
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            window.release();
                            done.countDown();
                        }
                    });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        double reads = metric(h, "coupon_status_reads_total{source=\"redis\"}") - before;
        System.out.printf("[sale-status] %d calls in %d ms cost %.0f Redis reads%n", calls, elapsedMs, reads);
        assertThat(errors).isEmpty();
        assertThat(answers).hasSize(calls).allSatisfy(r -> {
            assertThat(r.getRemainingCount() + r.getGrantedCount()).isEqualTo(1_000);
            assertThat(r.getGrantedCount()).isEqualTo(100);
            assertThat(r.getMaterializedCount()).as("not a shopper figure").isZero();
        });
        // One read per 200 ms period at most (the first period starts at the first call).
        assertThat(reads).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(elapsedMs / 200.0 + 1);
        SaleInvariants.check(h, sale.id(), 1_000, 1, Duration.ofSeconds(30));
    }

    static void grabConcurrently(ServiceHarness h, long activityId, int users, long firstUser) throws Exception {
        Semaphore window = new Semaphore(64);
        CountDownLatch done = new CountDownLatch(users);
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < users; i++) {
            window.acquire();
            h.async.withDeadlineAfter(30, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest.newBuilder()
                    .setActivityId(activityId).setUserId(firstUser + i).build(), new StreamObserver<>() {
                        @Override
                        public void onNext(FlashSaleResponse r) {
                            if (r.getCode() != GrabCode.GRANTED && r.getCode() != GrabCode.SOLD_OUT) {
                                failures.incrementAndGet();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            failures.incrementAndGet();
                            window.release();
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            window.release();
                            done.countDown();
                        }
                    });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).hasValue(0);
    }

    static JsonNode adminStatus(ServiceHarness h, long activityId) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.service.httpPort() + "/api/v1/activities/" + activityId + "/status"))
                .header("Authorization", "Bearer " + ServiceHarness.READ_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return json.readTree(r.body());
    }

    static double metric(ServiceHarness h, String series) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort()
                + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    static long counter(ServiceHarness h, long activityId) throws Exception {
        return single(h, "SELECT materialized FROM sale_row_counts WHERE activity_id = ?", activityId);
    }

    static long rows(ServiceHarness h, long activityId) throws Exception {
        return single(h, "SELECT COUNT(*) FROM user_coupons WHERE activity_id = ?", activityId);
    }

    static long single(ServiceHarness h, String sql, long id) throws Exception {
        try (Connection c = h.service.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }
}
