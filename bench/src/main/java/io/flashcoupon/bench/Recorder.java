package io.flashcoupon.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * Latencies per outcome (HdrHistogram, microseconds) and a per-second timeline of requests,
 * grants and p99, recorded from many threads.
 */
final class Recorder {
    private static final int MAX_SECONDS = 3600;
    private final long startNanos;
    private final Map<Outcome, Histogram> byOutcome = new EnumMap<>(Outcome.class);
    private final Histogram all = new Histogram(60_000_000L, 3);
    private final Histogram[] perSecond = new Histogram[MAX_SECONDS];
    private final AtomicLongArray requests = new AtomicLongArray(MAX_SECONDS);
    private final AtomicLongArray grants = new AtomicLongArray(MAX_SECONDS);
    private volatile long lastNanos;
    private long lastGrantNanos;

    Recorder(long startNanos) {
        this.startNanos = startNanos;
        for (Outcome o : Outcome.values()) {
            byOutcome.put(o, new Histogram(60_000_000L, 3));
        }
    }

    /** {@code sentNanos} is the intended send time (open loop) or the actual one (closed loop). */
    synchronized void record(Outcome outcome, long sentNanos, long doneNanos) {
        long micros = Math.max(1, (doneNanos - sentNanos) / 1_000);
        byOutcome.get(outcome).recordValue(Math.min(micros, 60_000_000L));
        all.recordValue(Math.min(micros, 60_000_000L));
        int second = (int) Math.max(0, Math.min(MAX_SECONDS - 1, (doneNanos - startNanos) / 1_000_000_000L));
        if (perSecond[second] == null) {
            perSecond[second] = new Histogram(60_000_000L, 2);
        }
        perSecond[second].recordValue(Math.min(micros, 60_000_000L));
        requests.incrementAndGet(second);
        if (outcome == Outcome.GRANTED) {
            grants.incrementAndGet(second);
            lastGrantNanos = Math.max(lastGrantNanos, doneNanos);
        }
        lastNanos = Math.max(lastNanos, doneNanos);
    }

    synchronized Map<String, Object> summary(String name) {
        double seconds = (lastNanos - startNanos) / 1e9;
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("name", name);
        out.put("duration_s", round(seconds));
        out.put("requests", all.getTotalCount());
        out.put("requests_per_s", round(all.getTotalCount() / seconds));
        Map<String, Object> counts = new java.util.LinkedHashMap<>();
        Map<String, Object> latency = new java.util.LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            Histogram h = byOutcome.get(o);
            counts.put(o.name().toLowerCase(), h.getTotalCount());
            if (h.getTotalCount() > 0) {
                latency.put(o.name().toLowerCase(), percentiles(h));
            }
        }
        latency.put("all", percentiles(all));
        out.put("outcomes", counts);
        out.put("grants_per_s", round(byOutcome.get(Outcome.GRANTED).getTotalCount() / seconds));
        // when the last grant was answered: in a sale that sold out, the time it took to sell out
        out.put("last_grant_s", lastGrantNanos == 0 ? 0 : Math.round((lastGrantNanos - startNanos) / 1e6) / 1000.0);
        out.put("latency_ms", latency);
        List<Map<String, Object>> timeline = new ArrayList<>();
        int lastSecond = (int) Math.min(MAX_SECONDS - 1, (lastNanos - startNanos) / 1_000_000_000L);
        for (int s = 0; s <= lastSecond; s++) {
            Map<String, Object> point = new java.util.LinkedHashMap<>();
            point.put("t", s);
            point.put("requests", requests.get(s));
            point.put("grants", grants.get(s));
            point.put("p99_ms", perSecond[s] == null ? 0 : round(perSecond[s].getValueAtPercentile(99) / 1000.0));
            timeline.add(point);
        }
        out.put("timeline", timeline);
        return out;
    }

    /** p99 of everything recorded, in ms. */
    synchronized double p99Ms() {
        return all.getValueAtPercentile(99) / 1000.0;
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> p = new java.util.LinkedHashMap<>();
        p.put("p50", round(h.getValueAtPercentile(50) / 1000.0));
        p.put("p90", round(h.getValueAtPercentile(90) / 1000.0));
        p.put("p99", round(h.getValueAtPercentile(99) / 1000.0));
        p.put("p999", round(h.getValueAtPercentile(99.9) / 1000.0));
        p.put("max", round(h.getMaxValue() / 1000.0));
        return p;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
