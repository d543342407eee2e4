package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.launcher.CouponService;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, one trace runs from the gRPC grab (SERVER span) through the CouponGrabbed
 * transactional message (W3C traceparent in its user properties) to the materializer's row write
 * (CONSUMER span, child of the grab's span). A traced ingress + topology process shares the harness's
 * broker and stores; the harness's own (untraced) materializer is in the same consumer group, so the
 * queues are split between the two and only grants on the traced process's queues get a write span:
 * the test grabs until one full trace appears, then checks no write span is outside a grab's trace.
 */
class TracingIT {
    private static final String GRAB = "coupon.v1.Coupon/FlashSaleCoupon";
    private static final String WRITE = "user_coupons write";

    @Test
    void one_trace_links_the_grab_and_the_write_of_its_row() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
                CouponService traced = CouponService.start(
                        ServiceRolesIT.roles(h, List.of("ingress", "topology")), Clock.systemUTC(), otel)) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", traced.grpcPort()).usePlaintext()
                    .build();
            try {
                Activity sale = h.runningSale(5_000, 1);
                CouponGrpc.CouponBlockingStub stub = CouponGrpc.newBlockingStub(channel);
                Set<String> granted = new HashSet<>();
                AtomicLong user = new AtomicLong(9_100);
                // The traced materializer gets its share of the queues only after a rebalance (up to
                // ~20 s): until then the harness's materializer may write every grant. So each poll
                // makes one more grab, until a grant lands on a queue the traced process owns.
                await("a user_coupons write span in the trace of its grab").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> {
                            var reply = stub.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest
                                    .newBuilder().setActivityId(sale.id()).setUserId(user.incrementAndGet()).build());
                            assertThat(reply.getCode()).isEqualTo(GrabCode.GRANTED);
                            granted.add(reply.getCouponSn());
                            return linked(spans.getFinishedSpanItems()).isPresent();
                        });

                List<SpanData> finished = spans.getFinishedSpanItems();
                SpanData write = linked(finished).orElseThrow();
                SpanData grab = finished.stream().filter(s -> s.getSpanId().equals(write.getParentSpanId()))
                        .findFirst().orElseThrow();
                assertThat(grab.getName()).isEqualTo(GRAB);
                assertThat(grab.getKind()).isEqualTo(SpanKind.SERVER);
                assertThat(grab.getTraceId()).isEqualTo(write.getTraceId());
                assertThat(grab.getAttributes().asMap().toString()).contains("coupon.activity_id=" + sale.id());
                String sn = String.valueOf(write.getAttributes().asMap().entrySet().stream()
                        .filter(e -> e.getKey().getKey().equals("coupon.coupon_sn")).findFirst().orElseThrow()
                        .getValue());
                assertThat(granted).as("the write span names a coupon this test was granted").contains(sn);
                assertThat(h.activities.find(sale.id())).isPresent();
                // Every write span belongs to some grab's trace: none is orphaned.
                List<String> grabTraces = finished.stream().filter(s -> s.getName().equals(GRAB))
                        .map(SpanData::getTraceId).toList();
                assertThat(finished.stream().filter(s -> s.getName().equals(WRITE)).map(SpanData::getTraceId))
                        .allMatch(grabTraces::contains);
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** A write span whose parent is a grab span of the same trace. */
    private static Optional<SpanData> linked(List<SpanData> finished) {
        return finished.stream()
                .filter(s -> s.getName().equals(WRITE) && s.getKind() == SpanKind.CONSUMER)
                .filter(w -> finished.stream().anyMatch(g -> g.getName().equals(GRAB)
                        && g.getSpanId().equals(w.getParentSpanId()) && g.getTraceId().equals(w.getTraceId())))
                .findFirst();
    }
}
