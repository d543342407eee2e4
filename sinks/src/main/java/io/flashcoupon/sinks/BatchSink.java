package io.flashcoupon.sinks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches the records of a source into one table and writes each batch in one transaction, and
 * acknowledges its records only after that write returned: an acknowledgement (a consumer offset)
 * never runs ahead of a committed row, so a crash re-delivers rather than loses.
 *
 * <p>The thread that calls {@link #run} both polls and writes. A batch is written once it holds
 * {@code maxRecords} records, or {@code maxAgeMs} (by the injected ticker) after the poll that brought
 * its first record returned; a poll waits at most for what is left of that. Polls are gathered because
 * one poll returns one queue's pull (the broker caps a pull, 32 messages by default) and each batch is
 * one fsync'd transaction, so writing per poll capped the user_coupons sink at a few hundred rows per
 * second under load (docs/performance.md).
 *
 * <p>Every write attempt turns the batch's records into rows afresh ({@link Batch#rows}), merges rows
 * with the same key - the first one wins, as an insert-only table would keep it - and hands the distinct
 * rows to the writer. The writer answers which rows the table refused (another row holds one of their
 * keys; the writer recorded them durably in the same transaction), so the batch can acknowledge them
 * without counting them as written. A failed attempt (rows, write or acknowledgement) is logged with
 * its exception and retried after a bounded exponential back-off before anything else is polled, so the
 * source backs up instead of skipping. The writer counts its failed transactions.
 *
 * <p>A batch given up is never followed by another acknowledgement: an acknowledgement is a position
 * in the source (a queue offset), so a later one would cover the given-up records and lose them. So
 * giving up ends the run. After {@link #stop()} the batch in hand is still written once (the attempt
 * under way, or one more when none was); a failed one is not retried but given up unacknowledged,
 * and the source re-delivers it after a restart. An interrupt of the running thread ends the run the
 * same way, at once and keeping the interrupt: a batch in back-off is given up, records polled but
 * not yet written are left unacknowledged, nothing more is written or polled. A sink that gave a batch
 * up cannot be run again.
 *
 * @param <R> a record as polled; it carries what acknowledges it (a queue offset)
 * @param <K> the key of a row: repeats of a key within one batch are written once
 * @param <V> a row of the table
 */
public final class BatchSink<R, K, V> {
    private static final Logger log = LoggerFactory.getLogger(BatchSink.class);

    /** Where the records come from: waits at most {@code timeoutMs} for more and returns what came, maybe none. */
    @FunctionalInterface
    public interface Source<R> {
        List<R> poll(long timeoutMs);
    }

    /**
     * Writes rows with distinct keys in one transaction; returns after the commit the rows the table
     * refused because another row holds one of their keys (recorded by the writer in that transaction),
     * empty when every row is stored; throws when it rolled back.
     */
    @FunctionalInterface
    public interface Writer<V> {
        List<V> write(List<V> rows);
    }

    /** Waits out a back-off. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    /** One batch in hand, opened before its first write attempt; it holds what acknowledges its records. */
    public interface Batch<V> {
        /** The rows of the batch's records, repeats included; asked on every attempt, a failure fails it. */
        List<V> rows();

        /**
         * The rows are committed, except {@code refused} (distinct rows the table refused, durably
         * recorded as such by the writer): acknowledge the records. A failure fails the attempt, which
         * writes again.
         */
        void acknowledge(List<V> rows, List<V> refused);

        /** An attempt failed; it is retried after the back-off while the sink runs. */
        default void failed(RuntimeException e) {}

        /**
         * The sink stopped (or its thread was interrupted) before the batch was written: it stays
         * unacknowledged and the run ends, so the source re-delivers it after a restart.
         */
        default void abandoned() {}
    }

    /**
     * When a batch is written ({@code maxRecords} records or {@code maxAgeMs} after the first) and how
     * long a failed one waits before the next attempt: {@code firstBackoffMs}, doubled per failure up to
     * {@code maxBackoffMs}.
     */
    public record Policy(int maxRecords, long maxAgeMs, long firstBackoffMs, long maxBackoffMs) {
        public static final long FIRST_BACKOFF_MS = 50;
        public static final long MAX_BACKOFF_MS = 2_000;

        public Policy {
            require(maxRecords >= 1, "maxRecords must be at least 1, was " + maxRecords);
            require(maxAgeMs >= 1, "maxAgeMs must be at least 1, was " + maxAgeMs);
            require(firstBackoffMs >= 1, "firstBackoffMs must be at least 1, was " + firstBackoffMs);
            require(maxBackoffMs >= firstBackoffMs,
                    "maxBackoffMs (" + maxBackoffMs + ") must not be below firstBackoffMs (" + firstBackoffMs + ")");
        }

        /** By size or time, with the default back-off of 50 ms doubling up to 2 s. */
        public static Policy of(int maxRecords, long maxAgeMs) {
            return new Policy(maxRecords, maxAgeMs, FIRST_BACKOFF_MS, MAX_BACKOFF_MS);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    private final String what;
    private final Policy policy;
    private final Function<List<R>, Batch<V>> open;
    private final Function<V, K> key;
    private final Writer<V> writer;
    private final LongSupplier nanoTicker;
    private final Sleeper sleeper;
    private volatile boolean running = true;
    private volatile boolean gaveUp;

    /**
     * @param what what the rows are, for the log ("user coupons")
     * @param open opens a batch of polled records, once, before its first write attempt
     * @param nanoTicker monotonic nanoseconds ({@code System::nanoTime})
     */
    public BatchSink(String what, Policy policy, Function<List<R>, Batch<V>> open, Function<V, K> key,
            Writer<V> writer, LongSupplier nanoTicker, Sleeper sleeper) {
        this.what = what;
        this.policy = policy;
        this.open = open;
        this.key = key;
        this.writer = writer;
        this.nanoTicker = nanoTicker;
        this.sleeper = sleeper;
    }

    /**
     * Polls {@code source} and writes its batches until {@link #stop()}, then writes the batch in hand;
     * returns early, keeping the interrupt, when the thread is interrupted.
     */
    public void run(Source<R> source) {
        if (gaveUp) {
            throw new IllegalStateException(what + ": a batch was given up unacknowledged; running again would"
                    + " acknowledge past it");
        }
        List<R> records = new ArrayList<>(policy.maxRecords());
        long deadline = 0;
        while (running) {
            if (interrupted(records)) {
                return;
            }
            long wait = records.isEmpty() ? policy.maxAgeMs() : deadline - nowMs();
            if (wait > 0) {
                try {
                    List<R> polled = source.poll(wait);
                    if (records.isEmpty() && !polled.isEmpty()) {
                        deadline = nowMs() + policy.maxAgeMs();
                    }
                    records.addAll(polled);
                } catch (RuntimeException e) {
                    log.warn("{}: poll failed: {}", what, e.toString());
                    continue;
                }
            }
            if (interrupted(records)) {
                return;
            }
            if (!records.isEmpty() && (records.size() >= policy.maxRecords() || wait <= 0 || nowMs() >= deadline)) {
                if (!writeUntilDurable(records)) {
                    return;
                }
                records = new ArrayList<>(policy.maxRecords());
            }
        }
        if (!records.isEmpty()) {
            writeUntilDurable(records); // one attempt: what is not committed is re-delivered after a restart
        }
    }

    /** True, having ended the run, when the thread was interrupted; the records in hand stay unacknowledged. */
    private boolean interrupted(List<R> records) {
        if (!Thread.currentThread().isInterrupted()) {
            return false;
        }
        running = false;
        if (!records.isEmpty()) {
            gaveUp = true;
        }
        log.warn("{}: interrupted; stopping with {} record(s) in hand unacknowledged (re-delivered after a restart)",
                what, records.size());
        return true;
    }

    /** Ends {@link #run} once its current poll or batch is done; no retry starts after this. */
    public void stop() {
        running = false;
    }

    /** Writes and acknowledges the batch; false when it was given up unacknowledged (the run then ends). */
    private boolean writeUntilDurable(List<R> records) {
        Batch<V> batch = open.apply(records);
        long backoff = policy.firstBackoffMs();
        // The batch in hand is written at least once even when stop() has come (a graceful stop
        // flushes it and acknowledges it); retries after a failure end with stop() or an interrupt.
        do {
            try {
                List<V> rows = batch.rows();
                List<V> distinct = merge(rows, key);
                List<V> refused = distinct.isEmpty() ? List.of() : writer.write(distinct);
                batch.acknowledge(rows, refused);
                return true;
            } catch (RuntimeException e) {
                batch.failed(e);
                log.error("writing {} {} failed; retrying in {} ms", records.size(), what, backoff, e);
                if (!backOff(backoff)) {
                    running = false;
                    log.warn("{}: interrupted; giving up {} record(s) unacknowledged (re-delivered after a restart)",
                            what, records.size());
                    break;
                }
                backoff = Math.min(policy.maxBackoffMs(), backoff * 2);
            }
        } while (running);
        gaveUp = true;
        batch.abandoned();
        return false;
    }

    /** Waits out a back-off; false when the thread is or gets interrupted (the interrupt is kept). */
    private boolean backOff(long ms) {
        if (Thread.currentThread().isInterrupted()) {
            return false;
        }
        try {
            sleeper.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !Thread.currentThread().isInterrupted();
    }

    /** The first row of each key, in the order the keys first came. */
    static <K, V> List<V> merge(List<V> rows, Function<V, K> key) {
        Map<K, V> first = new LinkedHashMap<>();
        for (V row : rows) {
            first.putIfAbsent(key.apply(row), row);
        }
        return first.size() == rows.size() ? rows : new ArrayList<>(first.values());
    }

    private long nowMs() {
        return nanoTicker.getAsLong() / 1_000_000;
    }
}
