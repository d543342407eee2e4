package io.flashcoupon.admin;

import io.flashcoupon.core.InvalidInputException;

/**
 * The body of POST /api/v1/activities/{id}/restock: {"amount": N}, N an integer. Only presence is
 * checked here; the range (1 to 10,000,000) is {@link io.flashcoupon.core.sale.Restock}'s rule.
 */
record RestockRequest(Long amount) {

    /** The amount asked for; InvalidInputException naming {@code amount} when it is missing. */
    long requiredAmount() {
        if (amount == null) {
            throw new InvalidInputException("amount", "must be set");
        }
        return amount;
    }
}
