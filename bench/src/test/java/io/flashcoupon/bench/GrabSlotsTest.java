package io.flashcoupon.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GrabSlotsTest {
    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void a_completion_gives_its_slot_back_before_its_follow_up_runs() throws Exception {
        GrabSlots slots = new GrabSlots(1);
        GrabSlots.Slot slot = slots.take(in(0));
        assertThat(slots.take(in(0))).as("window full").isNull();
        List<Integer> inFlightSeenByFollowUp = new ArrayList<>();
        slot.complete(() -> {}, () -> inFlightSeenByFollowUp.add(slots.inFlight()));
        assertThat(inFlightSeenByFollowUp).containsExactly(0);
        assertThat(slots.take(in(0))).isNotNull();
    }

    @Test
    void a_completion_whose_recording_throws_still_gives_its_slot_back_and_is_counted() throws Exception {
        GrabSlots slots = new GrabSlots(2);
        GrabSlots.Slot a = slots.take(in(0));
        GrabSlots.Slot b = slots.take(in(0));
        List<String> followUps = new ArrayList<>();
        assertThatThrownBy(() -> a.complete(() -> {
            throw new ArrayIndexOutOfBoundsException("recorder");
        }, () -> followUps.add("a"))).isInstanceOf(ArrayIndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.complete(() -> {}, () -> {
            throw new IllegalStateException("retry queue");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(slots.inFlight()).isZero();
        assertThat(slots.completionFailures()).isEqualTo(2);
        assertThat(followUps).as("no follow-up after a failed recording").isEmpty();
        assertThat(slots.drain(in(0))).isTrue();
    }

    @Test
    void a_second_completion_of_one_call_does_not_widen_the_window() throws Exception {
        GrabSlots slots = new GrabSlots(1);
        GrabSlots.Slot slot = slots.take(in(0));
        slot.complete(() -> {}, () -> {});
        slot.complete(() -> {}, () -> {});
        assertThat(slots.take(in(0))).isNotNull();
        assertThat(slots.take(in(0))).as("still one slot").isNull();
        assertThat(slots.describe()).contains("1 double completions");
    }

    @Test
    void retries_of_fake_completions_keep_the_window_balanced() throws Exception {
        // 3 shoppers x up to 3 attempts through a window of 2; every answer is a retryable SOLD_OUT
        GrabSlots slots = new GrabSlots(2);
        java.util.ArrayDeque<int[]> queue = new java.util.ArrayDeque<>(List.of(new int[] {1, 3}, new int[] {2, 3}, new int[] {3, 3}));
        List<GrabSlots.Slot> inFlight = new ArrayList<>();
        List<int[]> inFlightItems = new ArrayList<>();
        int doneShoppers = 0;
        int calls = 0;
        while (doneShoppers < 3) {
            GrabSlots.Slot slot = queue.isEmpty() ? null : slots.take(in(0));
            if (slot != null) {
                inFlight.add(slot);
                inFlightItems.add(queue.poll());
                calls++;
                continue;
            }
            // window full or queue empty: the oldest call answers
            GrabSlots.Slot s = inFlight.remove(0);
            int[] item = inFlightItems.remove(0);
            int[] finished = {0};
            s.complete(() -> {}, () -> {
                if (Outcome.SOLD_OUT.retried() && item[1] > 1) {
                    queue.add(new int[] {item[0], item[1] - 1});
                } else {
                    finished[0] = 1;
                }
            });
            doneShoppers += finished[0];
            assertThat(slots.inFlight()).isLessThanOrEqualTo(2);
        }
        assertThat(calls).isEqualTo(9);
        assertThat(slots.inFlight()).isZero();
        assertThat(slots.drain(in(0))).isTrue();
    }

    @Test
    void a_slot_that_never_comes_back_fails_the_wait_by_its_deadline_instead_of_hanging() throws Exception {
        GrabSlots slots = new GrabSlots(1);
        assertThat(slots.take(in(0))).isNotNull(); // its call never completes
        long before = System.nanoTime();
        assertThat(slots.take(in(50))).isNull();
        assertThat(slots.drain(in(50))).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).isLessThan(5_000);
        assertThat(slots.describe()).startsWith("grab window 1/1 in flight, 1 taken, 0 completed");
    }

    @Test
    void a_window_needs_a_slot() {
        assertThatThrownBy(() -> new GrabSlots(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }
}
