package io.flashcoupon.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The sink driven on the test thread: a scripted source whose polls move a fake ticker, a writer
 * and batches that record what happened, a sleeper that records the back-offs. No broker, no
 * database, no sleeping.
 */
class BatchSinkTest {
    private static final long MS = 1_000_000;

    /** A polled record: the key of the row it becomes and its position (what acknowledges it). */
    record Msg(String key, int offset) {}

    /** A row of the test table. */
    record Row(String key, int offset) {}

    private long nanos = 5_000 * MS;
    private final List<String> events = new ArrayList<>();
    private final List<List<Row>> written = new ArrayList<>();
    private final List<List<Msg>> acknowledged = new ArrayList<>();
    private final List<List<Row>> acknowledgedRows = new ArrayList<>();
    private final List<List<Row>> acknowledgedRefused = new ArrayList<>();
    /** Keys the writer reports as refused (another row holds them). */
    private final List<String> refusedKeys = new ArrayList<>();
    private final List<Long> timeouts = new ArrayList<>();
    private final List<Long> sleeps = new ArrayList<>();
    private final Deque<Supplier<List<Msg>>> polls = new ArrayDeque<>();
    private int failWrites;
    /** How many more writes fail whose first row has the key. */
    private final Map<String, Integer> failuresOf = new HashMap<>();
    private int failRows;
    private int failAcks;
    private Runnable onSleep = () -> {};
    private Runnable onAck = () -> {};
    private BatchSink<Msg, String, Row> sink;

    private BatchSink<Msg, String, Row> sink(int maxRecords, long maxAgeMs) {
        sink = new BatchSink<>("test rows", BatchSink.Policy.of(maxRecords, maxAgeMs), TestBatch::new, Row::key,
                rows -> {
                    events.add("write " + rows.size());
                    if (failsNow(rows.get(0).key())) {
                        throw new IllegalStateException("rolled back");
                    }
                    written.add(List.copyOf(rows));
                    return rows.stream().filter(r -> refusedKeys.contains(r.key())).toList();
                },
                () -> nanos,
                ms -> {
                    sleeps.add(ms);
                    nanos += ms * MS;
                    onSleep.run();
                });
        return sink;
    }

    private boolean failsNow(String firstKey) {
        if (failWrites > 0) {
            failWrites--;
            return true;
        }
        int left = failuresOf.getOrDefault(firstKey, 0);
        if (left > 0) {
            failuresOf.put(firstKey, left - 1);
            return true;
        }
        return false;
    }

    private final class TestBatch implements BatchSink.Batch<Row> {
        private final List<Msg> records;

        TestBatch(List<Msg> records) {
            this.records = List.copyOf(records);
            events.add("open " + records.size());
        }

        @Override
        public List<Row> rows() {
            if (failRows > 0) {
                failRows--;
                throw new IllegalStateException("template unreadable");
            }
            List<Row> rows = new ArrayList<>();
            records.forEach(m -> rows.add(new Row(m.key(), m.offset())));
            return rows;
        }

        @Override
        public void acknowledge(List<Row> rows, List<Row> refused) {
            events.add("ack " + records.size());
            if (failAcks > 0) {
                failAcks--;
                throw new IllegalStateException("offset commit failed");
            }
            acknowledged.add(records);
            acknowledgedRows.add(List.copyOf(rows));
            acknowledgedRefused.add(List.copyOf(refused));
            onAck.run();
        }

        @Override
        public void failed(RuntimeException e) {
            events.add("failed " + e.getMessage());
        }

        @Override
        public void abandoned() {
            events.add("abandoned " + records.size());
        }
    }

    /** The next poll returns {@code msgs} after {@code tookMs}. */
    private void poll(long tookMs, Msg... msgs) {
        polls.add(() -> {
            nanos += tookMs * MS;
            return List.of(msgs);
        });
    }

    /** The next poll waits out its whole timeout and returns nothing. */
    private void idlePoll() {
        polls.add(() -> {
            nanos += timeouts.get(timeouts.size() - 1) * MS;
            return List.of();
        });
    }

    /** Runs the sink until the scripted polls are used up; then it is stopped. */
    private void run() {
        sink.run(this::scripted);
    }

    /** The next scripted poll; when none is left, stops the sink and returns nothing. */
    private List<Msg> scripted(long timeoutMs) {
        timeouts.add(timeoutMs);
        Supplier<List<Msg>> next = polls.poll();
        if (next == null) {
            sink.stop();
            return List.of();
        }
        return next.get();
    }

    private static Msg msg(String key, int offset) {
        return new Msg(key, offset);
    }

    @Test
    void a_full_batch_is_written_at_once_without_waiting_for_the_interval() {
        sink(4, 1_000);
        poll(0, msg("a", 1), msg("b", 2));
        poll(10, msg("c", 3));
        poll(10, msg("d", 4), msg("e", 5));
        poll(10, msg("f", 6));
        run();

        assertThat(timeouts).startsWith(1_000L, 1_000L, 990L, 1_000L);
        assertThat(written.get(0)).extracting(Row::key).containsExactly("a", "b", "c", "d", "e");
        assertThat(acknowledged.get(0)).hasSize(5);
        assertThat(written.get(1)).extracting(Row::key).containsExactly("f");
    }

    @Test
    void a_batch_is_written_when_its_first_record_is_as_old_as_the_interval() {
        sink(100, 200);
        poll(0, msg("a", 1));
        poll(50, msg("b", 2));
        idlePoll();
        run();

        assertThat(timeouts).startsWith(200L, 200L, 150L);
        assertThat(written).hasSize(1);
        assertThat(written.get(0)).extracting(Row::key).containsExactly("a", "b");
        assertThat(events).startsWith("open 2", "write 2", "ack 2");
    }

    @Test
    void the_interval_runs_from_the_poll_that_brought_the_first_record() {
        sink(100, 200);
        poll(150, msg("a", 1));
        poll(199, msg("b", 2));
        poll(1, msg("c", 3));
        run();

        assertThat(timeouts).startsWith(200L, 200L, 1L);
        assertThat(written.get(0)).extracting(Row::key).containsExactly("a", "b", "c");
    }

    @Test
    void idle_polls_write_nothing() {
        sink(10, 100);
        idlePoll();
        idlePoll();
        run();

        assertThat(timeouts).containsExactly(100L, 100L, 100L);
        assertThat(events).isEmpty();
    }

    @Test
    void a_failed_poll_keeps_the_batch_in_hand_and_an_overdue_batch_is_written_without_polling() {
        sink(10, 100);
        poll(0, msg("a", 1));
        polls.add(() -> {
            nanos += 150 * MS;
            throw new IllegalStateException("broker gone");
        });
        poll(0, msg("b", 2));
        run();

        assertThat(timeouts).startsWith(100L, 100L, 100L);
        assertThat(written.get(0)).extracting(Row::key).containsExactly("a");
        assertThat(written.get(1)).extracting(Row::key).containsExactly("b");
    }

    @Test
    void repeated_keys_are_written_once_the_first_wins_and_every_record_is_acknowledged() {
        sink(5, 1_000);
        poll(0, msg("a", 1), msg("b", 2), msg("a", 3), msg("c", 4), msg("b", 5));
        run();

        assertThat(written).containsExactly(List.of(new Row("a", 1), new Row("b", 2), new Row("c", 4)));
        assertThat(acknowledged.get(0)).extracting(Msg::offset).containsExactly(1, 2, 3, 4, 5);
        assertThat(acknowledgedRows.get(0)).hasSize(5);
    }

    @Test
    void records_are_acknowledged_only_after_the_write_returned() {
        sink(2, 1_000);
        poll(0, msg("a", 1), msg("b", 2));
        run();

        assertThat(events).containsExactly("open 2", "write 2", "ack 2");
    }

    @Test
    void a_failed_write_is_not_acknowledged_and_is_retried_after_a_back_off_before_anything_is_polled() {
        sink(2, 1_000);
        failWrites = 2;
        poll(0, msg("a", 1), msg("b", 2));
        poll(0, msg("c", 3));
        List<Integer> pollsSoFar = new ArrayList<>();
        onSleep = () -> pollsSoFar.add(timeouts.size());
        run();

        assertThat(events).startsWith("open 2", "write 2", "failed rolled back", "write 2", "failed rolled back",
                "write 2", "ack 2");
        assertThat(sleeps).containsExactly(50L, 100L);
        assertThat(pollsSoFar).containsExactly(1, 1);
        assertThat(written).hasSize(2);
        assertThat(acknowledged).hasSize(2);
    }

    @Test
    void the_back_off_doubles_up_to_its_bound() {
        sink(1, 1_000);
        failWrites = 8;
        poll(0, msg("a", 1));
        run();

        assertThat(sleeps).containsExactly(50L, 100L, 200L, 400L, 800L, 1_600L, 2_000L, 2_000L);
        assertThat(acknowledged).hasSize(1);
    }

    @Test
    void each_batch_starts_its_back_off_afresh() {
        sink(1, 1_000);
        failuresOf.put("a", 3);
        failuresOf.put("b", 1);
        poll(0, msg("a", 1));
        poll(0, msg("b", 2));
        run();

        assertThat(sleeps).containsExactly(50L, 100L, 200L, 50L);
        assertThat(acknowledged).hasSize(2);
    }

    @Test
    void rows_that_cannot_be_made_fail_the_attempt_like_a_failed_write() {
        sink(1, 1_000);
        failRows = 1;
        poll(0, msg("a", 1));
        run();

        assertThat(events).containsExactly("open 1", "failed template unreadable", "write 1", "ack 1");
        assertThat(sleeps).containsExactly(50L);
    }

    @Test
    void a_failed_acknowledgement_writes_the_batch_again() {
        sink(1, 1_000);
        failAcks = 1;
        poll(0, msg("a", 1));
        run();

        assertThat(events).containsExactly("open 1", "write 1", "ack 1", "failed offset commit failed",
                "write 1", "ack 1");
        assertThat(acknowledged).hasSize(1);
    }

    @Test
    void a_batch_without_rows_is_acknowledged_without_a_write() {
        sink = new BatchSink<>("test rows", BatchSink.Policy.of(1, 1_000), records -> new BatchSink.Batch<Row>() {
            @Override
            public List<Row> rows() {
                return List.of();
            }

            @Override
            public void acknowledge(List<Row> rows, List<Row> refused) {
                acknowledged.add(List.of());
            }
        }, Row::key, rows -> {
            written.add(rows);
            return List.of();
        }, () -> nanos, sleeps::add);
        poll(0, msg("not-a-row", 1));
        run();

        assertThat(written).isEmpty();
        assertThat(acknowledged).hasSize(1);
    }

    @Test
    void stopping_writes_and_acknowledges_the_batch_in_hand_without_waiting_for_the_interval() {
        sink(100, 60_000);
        poll(0, msg("a", 1), msg("b", 2));
        run();

        assertThat(events).containsExactly("open 2", "write 2", "ack 2");
        assertThat(nanos).isEqualTo(5_000 * MS);
    }

    @Test
    void stopping_with_nothing_in_hand_writes_nothing() {
        sink(100, 1_000);
        sink.stop();
        sink.run(timeoutMs -> {
            throw new AssertionError("polled after stop");
        });

        assertThat(events).isEmpty();
    }

    @Test
    void stopping_ends_the_retries_and_leaves_the_batch_unacknowledged() {
        sink(1, 1_000);
        failWrites = Integer.MAX_VALUE;
        poll(0, msg("a", 1));
        onSleep = () -> {
            if (sleeps.size() == 2) {
                sink.stop();
            }
        };
        run();

        assertThat(events).containsExactly("open 1", "write 1", "failed rolled back", "write 1",
                "failed rolled back", "abandoned 1");
        assertThat(acknowledged).isEmpty();
    }

    @Test
    void the_batch_in_hand_at_stop_gets_one_attempt_and_is_given_up_when_it_fails() {
        sink(100, 60_000);
        failWrites = Integer.MAX_VALUE;
        poll(0, msg("a", 1));
        run();

        assertThat(events).containsExactly("open 1", "write 1", "failed rolled back", "abandoned 1");
        assertThat(acknowledged).isEmpty();
    }

    @Test
    void rows_the_table_refused_are_handed_to_the_acknowledgement_apart_from_the_written_ones() {
        sink(3, 1_000);
        refusedKeys.add("b");
        poll(0, msg("a", 1), msg("b", 2), msg("b", 3));
        run();

        assertThat(written.get(0)).extracting(Row::key).containsExactly("a", "b");
        assertThat(acknowledgedRows.get(0)).hasSize(3);
        assertThat(acknowledgedRefused.get(0)).containsExactly(new Row("b", 2));
        assertThat(acknowledged.get(0)).extracting(Msg::offset).containsExactly(1, 2, 3);
    }

    @Test
    void an_interrupted_back_off_gives_the_batch_up_ends_the_run_and_keeps_the_interrupt() {
        sink(1, 1_000);
        failuresOf.put("a", Integer.MAX_VALUE);
        poll(0, msg("a", 1));
        poll(0, msg("b", 2));
        onSleep = () -> Thread.currentThread().interrupt();
        boolean interrupted;
        try {
            sink.run(this::scripted);
        } finally {
            interrupted = Thread.interrupted();
        }

        assertThat(interrupted).as("the interrupt is kept for the caller").isTrue();
        assertThat(events).containsExactly("open 1", "write 1", "failed rolled back", "abandoned 1");
        assertThat(timeouts).as("nothing polled after the interrupt").hasSize(1);
        assertThat(polls).as("the later record is left in the source").hasSize(1);
        assertThat(acknowledged).as("no later acknowledgement covers the given-up batch").isEmpty();
    }

    @Test
    void a_sleeper_that_throws_interrupted_ends_the_run_the_same_way() {
        sink = new BatchSink<>("test rows", BatchSink.Policy.of(1, 1_000), TestBatch::new, Row::key, rows -> {
            throw new IllegalStateException("rolled back");
        }, () -> nanos, ms -> {
            throw new InterruptedException();
        });
        poll(0, msg("a", 1));
        poll(0, msg("b", 2));
        boolean interrupted;
        try {
            sink.run(this::scripted);
        } finally {
            interrupted = Thread.interrupted();
        }

        assertThat(interrupted).isTrue();
        assertThat(events).containsExactly("open 1", "failed rolled back", "abandoned 1");
        assertThat(polls).hasSize(1);
    }

    @Test
    void an_interrupt_while_polling_leaves_the_records_in_hand_unwritten_and_unacknowledged() {
        sink(10, 1_000);
        poll(0, msg("a", 1));
        polls.add(() -> {
            Thread.currentThread().interrupt();
            return List.of(msg("b", 2));
        });
        poll(0, msg("c", 3));
        boolean interrupted;
        try {
            sink.run(this::scripted);
        } finally {
            interrupted = Thread.interrupted();
        }

        assertThat(interrupted).isTrue();
        assertThat(events).as("no batch opened, written or acknowledged").isEmpty();
        assertThat(polls).hasSize(1);
    }

    @Test
    void an_interrupt_between_batches_ends_the_run_before_the_next_poll() {
        sink(1, 1_000);
        poll(0, msg("a", 1));
        onAck = () -> Thread.currentThread().interrupt();
        poll(0, msg("b", 2));
        boolean interrupted;
        try {
            sink.run(this::scripted);
        } finally {
            interrupted = Thread.interrupted();
        }

        assertThat(interrupted).isTrue();
        assertThat(events).as("the written batch is acknowledged, nothing after").containsExactly("open 1", "write 1",
                "ack 1");
        assertThat(polls).hasSize(1);
    }

    @Test
    void a_sink_that_gave_a_batch_up_refuses_to_run_again() {
        sink(1, 1_000);
        failWrites = Integer.MAX_VALUE;
        poll(0, msg("a", 1));
        onSleep = () -> sink.stop();
        run();
        assertThat(events).endsWith("abandoned 1");

        poll(0, msg("b", 2));
        assertThatThrownBy(this::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("given up");
        assertThat(acknowledged).isEmpty();
    }

    @Test
    void a_policy_out_of_range_is_rejected_with_what_is_wrong() {
        assertThatThrownBy(() -> BatchSink.Policy.of(0, 100)).hasMessageContaining("maxRecords");
        assertThatThrownBy(() -> BatchSink.Policy.of(1, 0)).hasMessageContaining("maxAgeMs");
        assertThatThrownBy(() -> new BatchSink.Policy(1, 1, 0, 10)).hasMessageContaining("firstBackoffMs");
        assertThatThrownBy(() -> new BatchSink.Policy(1, 1, 50, 10)).hasMessageContaining("maxBackoffMs");
    }
}
