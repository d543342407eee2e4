package io.flashcoupon.core.saga;

/** Why a Saga action was refused. Each is a business outcome answered as DTM FAILURE. */
public enum Refusal {
    /** No wallet coupon has this id. */
    NOT_FOUND,
    /** The coupon belongs to another user. */
    NOT_OWNER,
    /** Outside its validity window (ended or not started). */
    EXPIRED,
    /** Not in the state the action needs (e.g. locked by another order, already used). */
    WRONG_STATUS,
    /** Not locked (or used) by the order named in the call. */
    OTHER_ORDER,
    /** The coupon saves nothing on this order (threshold, scope), or the order is malformed. */
    DOES_NOT_APPLY,
    /** The use carried an expected discount and the coupon's discount on the order is another. */
    DISCOUNT_MISMATCH,
    /** The compensation of this branch already ran (DTM rolled back): the action is barred. */
    LATE_ACTION
}
