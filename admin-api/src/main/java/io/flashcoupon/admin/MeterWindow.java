package io.flashcoupon.admin;

import java.util.Map;
import java.util.TreeMap;

/**
 * What happened between two {@link MeterReading}s: answers per second by code and the 99th
 * percentile grab latency of the grabs answered in between, taken like Prometheus'
 * histogram_quantile: the upper bound of the first bucket holding 99% of them (so it is an upper
 * estimate, at the resolution of the buckets). A p99 beyond the last bucket is reported as that
 * bound with {@code p99Above} set.
 *
 * @param p99Ms null when no grab was answered in the window
 */
record MeterWindow(double seconds, Map<String, Double> perSecond, Map<String, Long> inWindow, Double p99Ms,
        boolean p99Above) {

    static MeterWindow between(MeterReading older, MeterReading newer) {
        double seconds = (newer.atNanos() - older.atNanos()) / 1e9;
        Map<String, Double> perSecond = new TreeMap<>();
        Map<String, Long> inWindow = new TreeMap<>();
        for (Map.Entry<String, Double> e : newer.outcomes().entrySet()) {
            double delta = Math.max(0, e.getValue() - older.outcomes().getOrDefault(e.getKey(), 0.0));
            inWindow.put(e.getKey(), Math.round(delta));
            perSecond.put(e.getKey(), seconds > 0 ? delta / seconds : 0.0);
        }
        Double p99 = null;
        boolean above = false;
        double total = newer.count() - older.count();
        double[] bounds = newer.bucketSeconds();
        if (total > 0 && bounds.length > 0) {
            double wanted = Math.ceil(total * 0.99);
            above = true;
            p99 = bounds[bounds.length - 1] * 1000;
            for (int i = 0; i < bounds.length; i++) {
                double before = i < older.cumulative().length ? older.cumulative()[i] : 0;
                if (newer.cumulative()[i] - before >= wanted) {
                    p99 = bounds[i] * 1000;
                    above = false;
                    break;
                }
            }
        }
        return new MeterWindow(seconds, perSecond, inWindow, p99, above);
    }
}
