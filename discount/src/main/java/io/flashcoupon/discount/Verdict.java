package io.flashcoupon.discount;

/** What happened to one coupon on one order. Only APPLIED saves money. */
public enum Verdict {
    /** The coupon saves a positive amount. */
    APPLIED,
    /** The eligible subtotal (before any discount) is below the coupon's threshold. */
    THRESHOLD_NOT_REACHED,
    /** No order line is in the coupon's scope. */
    NO_ELIGIBLE_GOODS,
    /** Applicable, but there is nothing left for it: eligible goods already fully discounted or
     *  free, no shipping fee, a cap of 0, or a percentage that rounds to 0 cents. */
    NOTHING_TO_DISCOUNT
}
