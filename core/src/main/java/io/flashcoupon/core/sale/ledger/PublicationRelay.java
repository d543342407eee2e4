package io.flashcoupon.core.sale.ledger;

import io.flashcoupon.core.observe.LogFields;
import io.flashcoupon.core.runtime.FixedDelayJob;
import io.flashcoupon.core.sale.Segment;
import java.time.Clock;
import java.util.Collection;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the group commit left in a sale's publication outbox: the events of grants whose
 * batch's send failed, or whose process died between the grab script and the send. Every interval
 * it looks at each live sale's outbox and sends the entries older than {@code staleMs} (younger ones
 * belong to a batch still being sent). This is the grab path's own recovery, the counterpart of a
 * broker's transaction check-back, not a repair: it runs in every process with a ledger, and tests of
 * faults keep it on. Several instances may send the same entry; consumers deduplicate.
 */
public final class PublicationRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PublicationRelay.class);

    private final GrantLedger ledger;
    private final Supplier<? extends Collection<Segment>> liveSales;
    private final Clock clock;
    private final long staleMs;
    private final FixedDelayJob job;
    private final long intervalMs;

    /**
     * {@code scheduler} is owned (shut down) by the relay; {@code liveSales} lists the segments of the sales
     * started and not cleaned up.
     */
    public PublicationRelay(GrantLedger ledger, Supplier<? extends Collection<Segment>> liveSales, Clock clock,
            long intervalMs, long staleMs, ScheduledExecutorService scheduler) {
        this.ledger = ledger;
        this.liveSales = liveSales;
        this.clock = clock;
        this.staleMs = staleMs;
        this.job = new FixedDelayJob("publication relay pass", scheduler, this::runOnce);
        this.intervalMs = intervalMs;
    }

    public PublicationRelay start() {
        job.start(intervalMs, intervalMs);
        return this;
    }

    /** One pass over every live sale; returns the number of events sent. */
    public int runOnce() {
        int sent = 0;
        long createdBefore = clock.millis() - staleMs;
        for (Segment segment : liveSales.get()) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            try (LogFields fields = LogFields.activity(segment.activityId())) {
                sent += ledger.relay(segment, createdBefore);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.warn("relaying the publication outbox of {} failed; next pass in {} ms: {}", segment,
                        intervalMs, e.toString());
            }
        }
        return sent;
    }

    /** Stops scheduling, interrupts a pass in progress and waits up to 5 s for it. */
    @Override
    public void close() {
        job.close();
    }
}
