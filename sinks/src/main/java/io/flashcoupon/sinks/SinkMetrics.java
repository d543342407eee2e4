package io.flashcoupon.sinks;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one batched sink, tagged {@code sink=<table>}: committed batches by size and write
 * time, rows in committed batches, failed batches, and conflicts. A row counts once per committed
 * batch it is in (after merging repeats within the batch), so a redelivered, already stored coupon
 * counts again; a record the table refused because another row is in its way is no row: it counts as
 * a conflict (coupon_sink_conflicts_total), once, when the conflict is first recorded.
 */
public final class SinkMetrics {
    private final Clock clock;
    private final DistributionSummary batchSize;
    private final Timer batchDuration;
    private final Counter rows;
    private final Counter failures;
    private final Counter conflicts;

    public SinkMetrics(MeterRegistry registry, String sink) {
        this.clock = registry.config().clock();
        this.batchSize = DistributionSummary.builder("coupon.sink.batch.size").baseUnit("rows").tag("sink", sink)
                .description("rows per committed sink batch")
                .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000)
                .register(registry);
        this.batchDuration = Timer.builder("coupon.sink.batch.duration").tag("sink", sink)
                .description("one sink batch from connection to commit")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(500_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.rows = Counter.builder("coupon.sink.rows").tag("sink", sink)
                .description("rows in committed sink batches")
                .register(registry);
        this.failures = Counter.builder("coupon.sink.failures").tag("sink", sink)
                .description("sink batches that failed and were rolled back")
                .register(registry);
        this.conflicts = Counter.builder("coupon.sink.conflicts").tag("sink", sink)
                .description("records not written because another row holds their key, first seen and recorded")
                .register(registry);
    }

    /** Now, for {@link #committed}: the registry clock's monotonic nanoseconds. */
    long start() {
        return clock.monotonicTime();
    }

    /** A batch of {@code count} stored rows begun at {@link #start()} committed. */
    void committed(int count, long startNanos) {
        batchDuration.record(clock.monotonicTime() - startNanos, TimeUnit.NANOSECONDS);
        batchSize.record(count);
        rows.increment(count);
    }

    void failed() {
        failures.increment();
    }

    /** {@code count} conflicts were recorded for the first time by a committed batch. */
    void conflicts(int count) {
        conflicts.increment(count);
    }
}
