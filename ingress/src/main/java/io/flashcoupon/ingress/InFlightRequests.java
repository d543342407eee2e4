package io.flashcoupon.ingress;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The request ids of this process whose attempt is in flight, keyed (activity, user, request id):
 * the first attempt leads, and an attempt that arrives while it runs joins it - it waits for the
 * leader's answer instead of grabbing (or settling a local refusal) on its own, so two attempts of
 * one request in one process can never be answered differently. Across processes the request's
 * recorded outcome in Redis does the same (grab.lua, settle.lua). An entry lives from the leader's
 * admission to its answer; the map holds at most the calls in flight.
 */
final class InFlightRequests {

    /** One client request of one user in one sale. */
    record Key(long activityId, long userId, String requestId) {}

    private final ConcurrentHashMap<Key, CompletableFuture<GrabAnswer>> leaders = new ConcurrentHashMap<>();

    /**
     * Makes {@code mine} the leader of {@code key} and returns null, or returns the outcome of the
     * attempt that leads it already (to join). A leader must {@link #finish} on every path.
     */
    CompletableFuture<GrabAnswer> lead(Key key, CompletableFuture<GrabAnswer> mine) {
        return leaders.putIfAbsent(key, mine);
    }

    /**
     * The leader {@code mine} of {@code key} was answered {@code answer}: the key is free for the
     * next attempt first, then the joined attempts get the answer.
     */
    void finish(Key key, CompletableFuture<GrabAnswer> mine, GrabAnswer answer) {
        leaders.remove(key, mine);
        mine.complete(answer);
    }

    /** Request ids with an attempt in flight. */
    int size() {
        return leaders.size();
    }
}
