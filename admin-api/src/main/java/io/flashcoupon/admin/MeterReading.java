package io.flashcoupon.admin;

import java.util.Map;

/**
 * One reading of this process's grab meters, as {@link GrabMeterReader} takes it: the cumulative
 * count of every FlashSaleCoupon answer by code, and the grab latency histogram of all paths
 * merged (cumulative count at or below each upper bound, in seconds; {@code count} includes
 * grabs above the last bound).
 *
 * @param atNanos monotonic time of the reading
 */
record MeterReading(long atNanos, Map<String, Double> outcomes, double[] bucketSeconds, double[] cumulative,
        double count) {

    MeterReading {
        outcomes = Map.copyOf(outcomes);
        bucketSeconds = bucketSeconds.clone();
        cumulative = cumulative.clone();
        if (bucketSeconds.length != cumulative.length) {
            throw new IllegalArgumentException("one cumulative count per bucket");
        }
    }
}
