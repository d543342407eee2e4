package io.flashcoupon.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class GroupConfirmTest {
    /** Rounds started, each completed by the test. */
    private final List<CompletableFuture<Void>> rounds = new ArrayList<>();
    private final GroupConfirm group = new GroupConfirm(() -> {
        CompletableFuture<Void> r = new CompletableFuture<>();
        rounds.add(r);
        return r;
    });

    @Test
    void a_lone_caller_starts_a_round_at_once_and_is_confirmed_by_it() {
        CompletableFuture<Void> one = group.confirm();
        assertThat(rounds).hasSize(1);
        assertThat(one).isNotDone();
        rounds.get(0).complete(null);
        assertThat(one).isCompleted();
    }

    @Test
    void callers_arriving_during_a_round_share_the_next_one_and_are_not_confirmed_by_the_earlier() {
        CompletableFuture<Void> first = group.confirm();
        CompletableFuture<Void> second = group.confirm();
        CompletableFuture<Void> third = group.confirm();
        assertThat(rounds).as("one round in flight at a time").hasSize(1);
        assertThat(second).isSameAs(third);

        rounds.get(0).complete(null);
        assertThat(first).isCompleted();
        assertThat(second).as("its answer may be newer than the round's marker").isNotDone();
        assertThat(rounds).as("the waiting batch's round starts when the first ends").hasSize(2);

        rounds.get(1).complete(null);
        assertThat(second).isCompleted();
        CompletableFuture<Void> later = group.confirm();
        assertThat(rounds).as("idle again: a new caller starts at once").hasSize(3);
        assertThat(later).isNotDone();
    }

    @Test
    void a_round_that_fell_short_fails_its_batch_only_and_the_next_round_still_runs() {
        CompletableFuture<Void> first = group.confirm();
        CompletableFuture<Void> second = group.confirm();
        rounds.get(0).completeExceptionally(new NotDurableException("WAITAOF: local AOF 0 of 1"));
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isNotDone();
        rounds.get(1).complete(null);
        assertThat(second).isCompleted();
    }

    @Test
    void a_round_that_throws_when_sent_fails_its_batch_and_frees_the_group() {
        List<Integer> calls = new ArrayList<>();
        GroupConfirm failing = new GroupConfirm(() -> {
            calls.add(1);
            if (calls.size() == 1) {
                throw new IllegalStateException("connection closed");
            }
            return CompletableFuture.<Void>completedFuture(null);
        });
        CompletionStage<Void> first = failing.confirm();
        assertThat(first.toCompletableFuture()).isCompletedExceptionally();
        assertThat(failing.confirm()).isCompleted();
    }
}
