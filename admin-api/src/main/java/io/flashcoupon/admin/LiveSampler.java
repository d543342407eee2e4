package io.flashcoupon.admin;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Rates for the live view without a background thread: every call of the live route leaves a
 * sample (this process's meters; one sale's ledger size), and a rate is taken between the newest
 * sample and the newest one at least {@link #WINDOW_NANOS} older (or the oldest kept, while the
 * history is shorter). Meter readings closer than {@link #MIN_GAP_NANOS} to the last one are
 * reused, so many viewers polling every second cost one reading. At most {@link #MAX_SALES} sales
 * keep a history (least recently viewed dropped first). Before a second sample a rate is null.
 */
final class LiveSampler {
    static final long WINDOW_NANOS = 5_000_000_000L;
    static final long KEEP_NANOS = 30_000_000_000L;
    static final long MIN_GAP_NANOS = 200_000_000L;
    static final int MAX_SALES = 256;

    /** A rate and the span it was taken over; perSecond null before two samples exist. */
    record Rate(Double perSecond, double seconds) {}

    private record Count(long atNanos, long value) {}

    private final Supplier<MeterReading> reader;
    private final LongSupplier nanos;
    private final Deque<MeterReading> readings = new ArrayDeque<>();
    private final Map<Long, Deque<Count>> ledgers = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Deque<Count>> eldest) {
            return size() > MAX_SALES;
        }
    };

    /** {@code reader} null: no meters in this process; {@code nanos}: the monotonic time readings are stamped with. */
    LiveSampler(Supplier<MeterReading> reader, LongSupplier nanos) {
        this.reader = reader;
        this.nanos = nanos;
    }

    /** This process's meters over the last window; null before there are two readings. */
    synchronized MeterWindow meters() {
        if (reader == null) {
            return null;
        }
        MeterReading last = readings.peekLast();
        long now = nanos.getAsLong();
        if (last == null || now - last.atNanos() >= MIN_GAP_NANOS) {
            last = reader.get();
            readings.addLast(last);
        }
        MeterReading newest = last;
        while (readings.size() > 1 && newest.atNanos() - readings.peekFirst().atNanos() > KEEP_NANOS) {
            readings.removeFirst();
        }
        MeterReading base = baseline(readings, newest.atNanos(), MeterReading::atNanos);
        return base == newest ? null : MeterWindow.between(base, newest);
    }

    /** Grants per second of one sale from its ledger size {@code granted}, sampled now. */
    synchronized Rate grants(long activityId, long granted) {
        long now = nanos.getAsLong();
        Deque<Count> history = ledgers.computeIfAbsent(activityId, id -> new ArrayDeque<>());
        Count last = history.peekLast();
        if (last == null || now - last.atNanos() >= MIN_GAP_NANOS || last.value() != granted) {
            history.addLast(new Count(now, granted));
        }
        Count newest = history.peekLast();
        while (history.size() > 1 && newest.atNanos() - history.peekFirst().atNanos() > KEEP_NANOS) {
            history.removeFirst();
        }
        Count base = baseline(history, newest.atNanos(), Count::atNanos);
        if (base == newest) {
            return new Rate(null, 0);
        }
        double seconds = (newest.atNanos() - base.atNanos()) / 1e9;
        if (seconds <= 0) {
            return new Rate(null, 0);
        }
        return new Rate(Math.max(0, newest.value() - base.value()) / seconds, seconds);
    }

    /** The newest sample at least a window older than {@code newest}, else the oldest one. */
    private static <T> T baseline(Deque<T> samples, long newest, ToLongFunction<T> at) {
        T base = samples.peekFirst();
        for (T s : samples) {
            if (newest - at.applyAsLong(s) >= WINDOW_NANOS) {
                base = s;
            } else {
                break;
            }
        }
        return base;
    }
}
