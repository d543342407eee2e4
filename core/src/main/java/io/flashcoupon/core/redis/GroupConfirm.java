package io.flashcoupon.core.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Group commit of durability confirmations: at most one round (a marker write + WAITAOF/WAIT) is in
 * flight; every caller that asks while it runs shares the next round, which starts when it ends. A
 * round started after a caller asked covers every answer that caller had received, so one round
 * confirms a whole batch. WAITAOF and WAIT block their connection until they return, so rounds on
 * one connection could never overlap anyway; sharing them keeps the wait per answer at about one
 * round. Pure (the round is handed in), tested with plain futures.
 */
final class GroupConfirm {
    private final Supplier<CompletionStage<Void>> round;
    private CompletableFuture<Void> next;
    private boolean inFlight;

    /** {@code round} sends one marker write + wait; it completes exceptionally when it fell short. */
    GroupConfirm(Supplier<CompletionStage<Void>> round) {
        this.round = round;
    }

    /** Completes when a round started after this call has confirmed; exceptionally when it did not. */
    CompletableFuture<Void> confirm() {
        CompletableFuture<Void> mine;
        boolean start;
        synchronized (this) {
            if (next == null) {
                next = new CompletableFuture<>();
            }
            mine = next;
            start = !inFlight;
            if (start) {
                inFlight = true;
                next = null;
            }
        }
        if (start) {
            run(mine);
        }
        return mine;
    }

    private void run(CompletableFuture<Void> batch) {
        CompletionStage<Void> sent;
        try {
            sent = round.get();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((ok, error) -> {
            CompletableFuture<Void> following;
            synchronized (this) {
                following = next;
                next = null;
                inFlight = following != null;
            }
            if (following != null) {
                run(following);
            }
            if (error == null) {
                batch.complete(null);
            } else {
                batch.completeExceptionally(error);
            }
        });
    }
}
