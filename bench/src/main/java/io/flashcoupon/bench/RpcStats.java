package io.flashcoupon.bench;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Latency (HdrHistogram, microseconds) and answer counts of one read RPC, recorded from many
 * threads: every answer counts towards the rate; shed (RESOURCE_EXHAUSTED) and other errors are
 * counted apart so a fast refusal cannot pass for a served read.
 */
final class RpcStats {
    private static final long MAX_MICROS = 60_000_000L;
    private final String rpc;
    private final Histogram ok = new Histogram(MAX_MICROS, 3);
    private long shed;
    private long errors;
    private long firstNanos = Long.MAX_VALUE;
    private long lastNanos;
    /** Per second since {@code timelineStart}: answers and their worst latency (only with a timeline). */
    private final long timelineStart;
    private final long[] perSecondCount;
    private final long[] perSecondMaxMicros;

    RpcStats(String rpc) {
        this(rpc, 0, 0);
    }

    /** With a per-second timeline of {@code seconds} seconds from {@code timelineStart} (nanoTime). */
    RpcStats(String rpc, long timelineStart, int seconds) {
        this.rpc = rpc;
        this.timelineStart = timelineStart;
        this.perSecondCount = new long[seconds];
        this.perSecondMaxMicros = new long[seconds];
    }

    /** {@code sentNanos}: the actual send (closed loop) or the intended one (a scheduled poll). */
    synchronized void ok(long sentNanos, long doneNanos) {
        long micros = Math.min(MAX_MICROS, Math.max(1, (doneNanos - sentNanos) / 1_000));
        ok.recordValue(micros);
        span(sentNanos, doneNanos);
        if (perSecondCount.length > 0) {
            int s = (int) Math.max(0, Math.min(perSecondCount.length - 1, (doneNanos - timelineStart) / 1_000_000_000L));
            perSecondCount[s]++;
            perSecondMaxMicros[s] = Math.max(perSecondMaxMicros[s], micros);
        }
    }

    synchronized void failed(Throwable t, long sentNanos, long doneNanos) {
        if (Status.fromThrowable(t).getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            shed++;
        } else {
            errors++;
        }
        span(sentNanos, doneNanos);
    }

    private void span(long sentNanos, long doneNanos) {
        firstNanos = Math.min(firstNanos, sentNanos);
        lastNanos = Math.max(lastNanos, doneNanos);
    }

    /**
     * rate = served reads per second over {@code seconds} (the run's wall clock), or over the span
     * from the first send to the last answer when {@code seconds} is 0.
     */
    synchronized Map<String, Object> summary(double seconds) {
        double span = seconds > 0 ? seconds : Math.max(1e-9, (lastNanos - firstNanos) / 1e9);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rpc", rpc);
        out.put("ok", ok.getTotalCount());
        out.put("shed", shed);
        out.put("errors", errors);
        out.put("seconds", Recorder.round(span));
        out.put("per_s", ok.getTotalCount() == 0 ? 0.0 : Recorder.round(ok.getTotalCount() / span));
        out.put("p50_ms", ms(50));
        out.put("p90_ms", ms(90));
        out.put("p99_ms", ms(99));
        out.put("max_ms", Recorder.round(ok.getMaxValue() / 1000.0));
        if (perSecondCount.length > 0) {
            List<List<Object>> timeline = new ArrayList<>();
            int last = (int) Math.min(perSecondCount.length - 1, Math.max(0, (lastNanos - timelineStart) / 1_000_000_000L));
            for (int s = 0; s <= last; s++) {
                timeline.add(List.of(s, perSecondCount[s], Recorder.round(perSecondMaxMicros[s] / 1000.0)));
            }
            out.put("timeline_s_answers_max_ms", timeline);
        }
        return out;
    }

    private double ms(double percentile) {
        return ok.getTotalCount() == 0 ? 0 : Recorder.round(ok.getValueAtPercentile(percentile) / 1000.0);
    }
}
