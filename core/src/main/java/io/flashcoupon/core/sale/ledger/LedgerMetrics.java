package io.flashcoupon.core.sale.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the grab's ledger reports: coupon_grab_batch_size (grabs per group-committed script call) and
 * coupon_grab_publications_total by result - sent (the batch's events stored by the broker before the
 * grabs were answered), deferred (the send failed: the grants are durable in Redis and their events
 * wait in the publication outbox), relayed (sent from the outbox by {@link PublicationRelay}).
 */
public final class LedgerMetrics {
    private final DistributionSummary batchSize;
    private final Counter sent;
    private final Counter deferred;
    private final Counter relayed;

    public LedgerMetrics(MeterRegistry registry) {
        this.batchSize = DistributionSummary.builder("coupon.grab.batch.size")
                .description("Grabs per group-committed grab script call")
                .baseUnit("grabs")
                .register(registry);
        this.sent = publications(registry, "sent");
        this.deferred = publications(registry, "deferred");
        this.relayed = publications(registry, "relayed");
    }

    private static Counter publications(MeterRegistry registry, String result) {
        return Counter.builder("coupon.grab.publications")
                .description("CouponGrabbed events of grants by how they reached the broker: sent with their batch,"
                        + " deferred to the publication outbox (send failed), relayed from the outbox")
                .tag("result", result)
                .register(registry);
    }

    void batch(int grabs) {
        batchSize.record(grabs);
    }

    void sent(int events) {
        sent.increment(events);
    }

    void deferred(int events) {
        deferred.increment(events);
    }

    void relayed(int events) {
        relayed.increment(events);
    }
}
