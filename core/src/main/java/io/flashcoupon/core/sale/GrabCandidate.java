package io.flashcoupon.core.sale;

/**
 * One grab of a group-committed batch (lua/grab.lua): the user, the coupon_sn the ingress made for
 * it, when it was made, and the client's request id (null when none; never holds ':' or control
 * characters - admission refuses those). The seq is not chosen here: the script decides it.
 */
public record GrabCandidate(long userId, String couponSn, long grantedAtMs, String requestId) {}
