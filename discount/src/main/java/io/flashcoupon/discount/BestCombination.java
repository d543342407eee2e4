package io.flashcoupon.discount;

import java.util.List;

/**
 * The combination of wallet coupons that saves the most on an order. {@code couponIds} is sorted
 * ascending (empty when nothing saves anything); {@code result} is exactly what
 * {@code calculate(order, those coupons)} returns.
 *
 * <p>{@code proven} is true when the search finished: the combination is the optimum under the
 * documented tie-break (most discount, then fewest coupons, then the lexicographically smallest
 * sorted id list). When the search's time budget ran out it is false, {@code unprovenReason} says so
 * (empty when proven), and the combination is the best found so far: a valid combination whose
 * figures are exact, but a better one may exist. {@code nodes} is the work done (bound computations
 * plus evaluations).
 */
public record BestCombination(List<Long> couponIds, DiscountResult result, boolean proven, String unprovenReason,
        long nodes) {

    public BestCombination {
        couponIds = List.copyOf(couponIds);
        unprovenReason = unprovenReason == null ? "" : unprovenReason;
    }
}
