package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.EventType;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.topology.example.CouponEventsTail;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The example consumer of docs/events.md receives the CouponGrabbed of a real grab. */
class CouponEventsTailIT {

    @Test
    void the_example_consumer_sees_each_grab_once_with_its_coupon() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(3, 1);
        List<CouponEvent> events = new CopyOnWriteArrayList<>();
        try (CouponEventsTail tail = new CouponEventsTail(h.service.namesrvAddr(), "it-events-tail", events::add)) {
            Thread runner = new Thread(tail::run, "events-tail");
            runner.start();
            FlashSaleResponse r = h.blocking.flashSaleCoupon(
                    FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(4242).build());
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> events.stream()
                    .anyMatch(e -> e.getGrabbed().getCouponSn().equals(r.getCouponSn())));
            CouponEvent e = events.stream().filter(x -> x.getGrabbed().getCouponSn().equals(r.getCouponSn()))
                    .findFirst().orElseThrow();
            assertThat(e.getType()).isEqualTo(EventType.COUPON_GRABBED);
            assertThat(e.getEventId()).isEqualTo("grab-" + r.getCouponSn());
            assertThat(e.getGrabbed().getUserId()).isEqualTo(4242);
            assertThat(e.getGrabbed().getActivityId()).isEqualTo(sale.id());
            assertThat(e.getGrabbed().getTemplateId()).isEqualTo(sale.templateId());
            assertThat(events.stream().filter(x -> x.getEventId().equals(e.getEventId()))).hasSize(1);
        }
    }
}
