package io.flashcoupon.admin;

import io.flashcoupon.core.Registry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads the ingress's grab meters from the process's registry by their {@link Registry} names (they
 * are registered by ingress GrabMetrics, which the admin API does not depend on):
 * {@value Registry#METER_GRAB_OUTCOMES} by tag {@code code} and the histograms of
 * {@value Registry#METER_GRAB_DURATION}, merged over their {@code path} tag. In a process without an ingress the reading is empty.
 */
final class GrabMeterReader {
    private final MeterRegistry registry;

    GrabMeterReader(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterReading read() {
        long now = registry.config().clock().monotonicTime();
        Map<String, Double> outcomes = new HashMap<>();
        registry.find(Registry.METER_GRAB_OUTCOMES).counters().forEach(c -> outcomes.merge(c.getId().getTag("code"), c.count(), Double::sum));
        TreeMap<Double, Double> buckets = new TreeMap<>();
        double count = 0;
        for (Timer t : registry.find(Registry.METER_GRAB_DURATION).timers()) {
            HistogramSnapshot s = t.takeSnapshot();
            count += s.count();
            for (CountAtBucket b : s.histogramCounts()) {
                if (!Double.isInfinite(b.bucket())) {
                    buckets.merge(b.bucket(TimeUnit.SECONDS), b.count(), Double::sum);
                }
            }
        }
        double[] bounds = new double[buckets.size()];
        double[] cumulative = new double[buckets.size()];
        int i = 0;
        for (Map.Entry<Double, Double> e : buckets.entrySet()) {
            bounds[i] = e.getKey();
            cumulative[i++] = e.getValue();
        }
        return new MeterReading(now, outcomes, bounds, cumulative, count);
    }
}
