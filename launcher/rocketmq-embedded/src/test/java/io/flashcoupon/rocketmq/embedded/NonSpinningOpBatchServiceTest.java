package io.flashcoupon.rocketmq.embedded;

import static io.flashcoupon.rocketmq.embedded.NonSpinningOpBatchService.IDLE_POLL_MILLIS;
import static io.flashcoupon.rocketmq.embedded.NonSpinningOpBatchService.nextRoundAt;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.rocketmq.broker.transaction.queue.MessageQueueOpContext;
import org.junit.jupiter.api.Test;

class NonSpinningOpBatchServiceTest {

    private static final long NOW = 1_000_000;
    private static final long INTERVAL = 3_000;
    private static final int MAX_BATCH = 4_096;

    @Test
    void a_queue_drained_longer_than_the_interval_ago_does_not_make_the_thread_run_at_once() {
        MessageQueueOpContext drained = queue(NOW - 60_000);

        assertThat(nextRoundAt(List.of(drained), NOW, INTERVAL, MAX_BATCH)).isEqualTo(NOW + IDLE_POLL_MILLIS);
    }

    @Test
    void with_no_queue_yet_the_thread_looks_again_after_the_idle_poll() {
        assertThat(nextRoundAt(List.of(), NOW, INTERVAL, MAX_BATCH)).isEqualTo(NOW + IDLE_POLL_MILLIS);
    }

    @Test
    void pending_ops_are_written_when_their_queue_s_batch_interval_ends() {
        MessageQueueOpContext pending = queue(NOW - INTERVAL + 40);
        add(pending, "17,");

        assertThat(nextRoundAt(List.of(pending), NOW, INTERVAL, MAX_BATCH)).isEqualTo(NOW + 40);
    }

    @Test
    void a_drained_stale_queue_does_not_pull_the_deadline_of_a_pending_one_into_the_past() {
        MessageQueueOpContext drained = queue(NOW - 60_000);
        MessageQueueOpContext pending = queue(NOW - INTERVAL + 40);
        add(pending, "17,");

        assertThat(nextRoundAt(List.of(drained, pending), NOW, INTERVAL, MAX_BATCH)).isEqualTo(NOW + 40);
    }

    @Test
    void the_first_op_after_a_quiet_spell_is_due_at_once() {
        MessageQueueOpContext quiet = queue(NOW - 60_000);
        add(quiet, "17,");

        assertThat(nextRoundAt(List.of(quiet), NOW, INTERVAL, MAX_BATCH)).isLessThanOrEqualTo(NOW);
    }

    @Test
    void a_full_batch_runs_the_next_round_at_once() {
        MessageQueueOpContext full = queue(NOW);
        add(full, "1".repeat(MAX_BATCH));

        assertThat(nextRoundAt(List.of(queue(NOW - 60_000), full), NOW, INTERVAL, MAX_BATCH)).isEqualTo(NOW);
    }

    @Test
    void an_interval_shorter_than_the_idle_poll_bounds_the_sleep() {
        assertThat(nextRoundAt(List.of(queue(NOW - 60_000)), NOW, 20, MAX_BATCH)).isEqualTo(NOW + 20);
    }

    private static MessageQueueOpContext queue(long lastWrite) {
        return new MessageQueueOpContext(lastWrite, 20_000);
    }

    /** As the broker's {@code deletePrepareMessage} buffers an op: the entry, then its size. */
    private static void add(MessageQueueOpContext queue, String op) {
        assertThat(queue.getContextQueue().offer(op)).isTrue();
        queue.getTotalSize().addAndGet(op.length());
    }
}
