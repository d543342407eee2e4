package io.flashcoupon.discount;

/** The share of a goods discount carried by one order line (by its index in the order). */
public record LineAllocation(int lineIndex, long discountCents) {}
