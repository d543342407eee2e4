package io.flashcoupon.core.sale.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

    /** A flush whose batches stay open until the test completes them. */
    private static final class HeldFlush implements GroupCommit.Flush<Long, Integer> {
        final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        final List<CompletableFuture<Void>> open = Collections.synchronizedList(new ArrayList<>());
        final List<Long> keys = Collections.synchronizedList(new ArrayList<>());

        @Override
        public CompletableFuture<Void> write(Long key, List<Integer> batch) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            keys.add(key);
            batches.add(List.copyOf(batch));
            open.add(f);
            return f;
        }
    }

    @Test
    void a_lone_item_is_written_at_once_as_a_batch_of_one() {
        HeldFlush flush = new HeldFlush();
        new GroupCommit<>(flush, 128, 1).submit(7L, 1);
        assertThat(flush.batches).containsExactly(List.of(1));
    }

    @Test
    void items_arriving_while_a_batch_runs_share_the_next_batch_in_submission_order() {
        HeldFlush flush = new HeldFlush();
        GroupCommit<Long, Integer> commits = new GroupCommit<>(flush, 128, 1);
        commits.submit(7L, 1);
        commits.submit(7L, 2);
        commits.submit(7L, 3);
        commits.submit(7L, 4);
        assertThat(flush.batches).as("one batch in flight: the others wait").containsExactly(List.of(1));
        assertThat(commits.queued(7L)).isEqualTo(3);

        flush.open.get(0).complete(null);

        assertThat(flush.batches).containsExactly(List.of(1), List.of(2, 3, 4));
        assertThat(commits.queued(7L)).isZero();
    }

    @Test
    void a_batch_never_exceeds_max_batch() {
        HeldFlush flush = new HeldFlush();
        GroupCommit<Long, Integer> commits = new GroupCommit<>(flush, 2, 1);
        for (int i = 1; i <= 5; i++) {
            commits.submit(7L, i);
        }
        flush.open.get(0).complete(null);
        flush.open.get(1).complete(null);
        flush.open.get(2).complete(null);
        assertThat(flush.batches).containsExactly(List.of(1), List.of(2, 3), List.of(4, 5));
    }

    @Test
    void up_to_max_in_flight_batches_of_one_key_run_at_once_and_keys_do_not_wait_for_each_other() {
        HeldFlush flush = new HeldFlush();
        GroupCommit<Long, Integer> commits = new GroupCommit<>(flush, 128, 2);
        commits.submit(7L, 1);
        commits.submit(7L, 2);
        commits.submit(7L, 3);
        commits.submit(8L, 100);
        assertThat(flush.batches).containsExactly(List.of(1), List.of(2), List.of(100));
        assertThat(flush.keys).containsExactly(7L, 7L, 8L);
        assertThat(commits.queued(7L)).isEqualTo(1);
    }

    @Test
    void a_failed_batch_frees_its_place() {
        HeldFlush flush = new HeldFlush();
        GroupCommit<Long, Integer> commits = new GroupCommit<>(flush, 128, 1);
        commits.submit(7L, 1);
        commits.submit(7L, 2);
        flush.open.get(0).completeExceptionally(new IllegalStateException("Redis down"));
        assertThat(flush.batches).containsExactly(List.of(1), List.of(2));
    }

    @Test
    void a_flush_that_throws_frees_its_place_even_when_it_runs_from_a_finishing_batch() {
        List<CompletableFuture<Void>> open = new ArrayList<>();
        List<List<Integer>> written = new ArrayList<>();
        GroupCommit<Long, Integer> commits = new GroupCommit<>((key, batch) -> {
            written.add(List.copyOf(batch));
            if (batch.contains(2)) {
                throw new IllegalStateException("boom");
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            open.add(f);
            return f;
        }, 128, 1);
        commits.submit(7L, 1);
        commits.submit(7L, 2);
        commits.submit(7L, 3);
        // Batch [1] finishes: its completion starts [2, 3], whose flush throws; the lane must stay alive.
        open.get(0).complete(null);
        commits.submit(7L, 4);

        assertThat(written).containsExactly(List.of(1), List.of(2, 3), List.of(4));
        assertThat(commits.queued(7L)).isZero();
    }

    @Test
    void the_limits_must_be_positive() {
        assertThatThrownBy(() -> new GroupCommit<Long, Integer>((k, b) -> null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GroupCommit<Long, Integer>((k, b) -> null, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void under_concurrent_submitters_every_item_is_written_exactly_once_and_in_flight_stays_bounded()
            throws Exception {
        int threads = 8;
        int perThread = 5_000;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        boolean[] seen = new boolean[threads * perThread];
        AtomicInteger written = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService completer = Executors.newFixedThreadPool(2);
        GroupCommit<Long, Integer> commits = new GroupCommit<>((key, batch) -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            synchronized (seen) {
                for (int item : batch) {
                    if (seen[item]) {
                        duplicates.incrementAndGet();
                    }
                    seen[item] = true;
                }
            }
            written.addAndGet(batch.size());
            return CompletableFuture.runAsync(running::decrementAndGet, completer);
        }, 64, 3);
        ExecutorService submitters = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            submitters.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    commits.submit(1L, base + i);
                }
            });
        }
        go.countDown();
        submitters.shutdown();
        assertThat(submitters.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (written.get() < threads * perThread && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        completer.shutdown();
        assertThat(written).as("every item written").hasValue(threads * perThread);
        assertThat(duplicates).as("no item written twice").hasValue(0);
        assertThat(maxRunning.get()).as("batches in flight at once").isBetween(1, 3);
        assertThat(commits.queued(1L)).isZero();
    }
}
