package io.flashcoupon.core.sale.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * What the grab's ledger reports: coupon_grab_batch_size (grabs per group-committed script call) and
 * coupon_grab_publications_total by result - sent (the batch's events stored by the broker before the
 * grabs were answered), deferred (the send failed: the grants are durable in Redis and their events
 * wait in the publication outbox), relayed (sent from the outbox by {@link PublicationRelay}); and
 * where a batch's time goes, coupon_grab_batch_phase_seconds by phase - script (the grab script's call,
 * its durability wait included, from the batch's start), send (its events' batch send to the broker).
 * A grab's answer takes about the sum plus the time it queued for its batch.
 */
public final class LedgerMetrics {
    private final DistributionSummary batchSize;
    private final Counter sent;
    private final Counter deferred;
    private final Counter relayed;
    private final Timer script;
    private final Timer send;

    public LedgerMetrics(MeterRegistry registry) {
        this.batchSize = DistributionSummary.builder("coupon.grab.batch.size")
                .description("Grabs per group-committed grab script call")
                .baseUnit("grabs")
                .register(registry);
        this.sent = publications(registry, "sent");
        this.deferred = publications(registry, "deferred");
        this.relayed = publications(registry, "relayed");
        this.script = phase(registry, "script");
        this.send = phase(registry, "send");
    }

    private static Timer phase(MeterRegistry registry, String phase) {
        return Timer.builder("coupon.grab.batch.phase")
                .description("Time of one group-committed batch in a phase: script (the grab script, its"
                        + " durability wait included) or send (its events' batch send to the broker)")
                .tag("phase", phase)
                .publishPercentileHistogram()
                .register(registry);
    }

    void scriptTook(long nanos) {
        script.record(nanos, TimeUnit.NANOSECONDS);
    }

    void sendTook(long nanos) {
        send.record(nanos, TimeUnit.NANOSECONDS);
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
