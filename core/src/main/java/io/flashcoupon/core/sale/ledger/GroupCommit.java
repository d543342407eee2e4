package io.flashcoupon.core.sale.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Group commit per key (a sale): items submitted while a batch of their key is being written wait
 * for the next batch instead of paying for a write of their own. A lone item starts a batch at once
 * - a batch of one, no timer, no added wait; under load the batches grow with the queue. At most
 * {@code maxInFlight} batches of one key run at once, each of at most {@code maxBatch} items taken from
 * the queue in submission order (two batches started at once may reach the store in either order).
 * The flush writes a batch and answers its items on every path; the stage it returns completing
 * (normally or not) frees the batch's place, and so does a flush that throws (a broken flush: logged).
 * Pure: the flush is handed in, so the batching is testable with plain futures.
 */
final class GroupCommit<K, T> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GroupCommit.class);

    /**
     * Writes {@code batch} (all of key {@code key}) and answers its items; completes when the batch no
     * longer holds its place. Must not throw: its items would stay unanswered.
     */
    @FunctionalInterface
    interface Flush<K, T> {
        CompletionStage<?> write(K key, List<T> batch);
    }

    private static final class Lane<T> {
        final Queue<T> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger inFlight = new AtomicInteger();
    }

    private final Map<K, Lane<T>> lanes = new ConcurrentHashMap<>();
    private final Flush<K, T> flush;
    private final int maxBatch;
    private final int maxInFlight;

    GroupCommit(Flush<K, T> flush, int maxBatch, int maxInFlight) {
        if (maxBatch < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("maxBatch and maxInFlight must be >= 1, were " + maxBatch + ", "
                    + maxInFlight);
        }
        this.flush = flush;
        this.maxBatch = maxBatch;
        this.maxInFlight = maxInFlight;
    }

    /** Queues {@code item} for key {@code key}; starts a batch when fewer than maxInFlight run. */
    void submit(K key, T item) {
        Lane<T> lane = lanes.computeIfAbsent(key, k -> new Lane<>());
        lane.queue.add(item);
        pump(key, lane);
    }

    /**
     * Starts batches while there are queued items and free places. A place is taken before the queue
     * is drained and given back when the drain found nothing; the loop then looks again, so an item
     * queued while a finishing batch gave its place back is never left waiting.
     */
    private void pump(K key, Lane<T> lane) {
        while (!lane.queue.isEmpty()) {
            int running = lane.inFlight.get();
            if (running >= maxInFlight) {
                return;
            }
            if (!lane.inFlight.compareAndSet(running, running + 1)) {
                continue;
            }
            List<T> batch = new ArrayList<>(Math.min(maxBatch, 16));
            T item;
            while (batch.size() < maxBatch && (item = lane.queue.poll()) != null) {
                batch.add(item);
            }
            if (batch.isEmpty()) {
                lane.inFlight.decrementAndGet();
                continue;
            }
            CompletionStage<?> written;
            try {
                written = flush.write(key, batch);
            } catch (RuntimeException e) {
                log.error("the flush of a batch of {} item(s) of key {} threw; its place is freed", batch.size(), key, e);
                written = java.util.concurrent.CompletableFuture.failedFuture(e);
            }
            written.whenComplete((r, e) -> {
                lane.inFlight.decrementAndGet();
                pump(key, lane);
            });
        }
    }

    /** Items of {@code key} waiting for a batch (for tests and the in-flight gauge). */
    int queued(K key) {
        Lane<T> lane = lanes.get(key);
        return lane == null ? 0 : lane.queue.size();
    }
}
