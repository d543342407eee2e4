package io.flashcoupon.ingress;

import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place a grab's outcome becomes a gRPC reply or status. */
final class GrabReplies {
    private GrabReplies() {}

    /** The reply for {@code o}; throws the gRPC status for outcomes that are refusals. */
    static FlashSaleResponse reply(GrabOutcome o) {
        long id = o.activity().id();
        return switch (o.code()) {
            // REPEATED: a retry of a request granted before gets that grant again.
            case GRANTED, REPEATED -> FlashSaleResponse.newBuilder()
                    .setSuccess(true).setCode(GrabCode.GRANTED).setCouponSn(o.couponSn())
                    .setRemainingCount(o.remaining()).setSeq(o.seq())
                    .setMessage("granted coupon " + o.couponSn()).build();
            case SOLD_OUT -> FlashSaleResponse.newBuilder()
                    .setCode(GrabCode.SOLD_OUT).setRemainingCount(0)
                    .setMessage("activity " + id + " is sold out").build();
            case LIMIT_REACHED -> FlashSaleResponse.newBuilder()
                    .setCode(GrabCode.LIMIT_REACHED).setRemainingCount(o.remaining()).setSeq(o.seq())
                    .setMessage("user already holds " + o.seq() + " of " + o.activity().perUserLimit()
                            + " coupons allowed in activity " + id).build();
            case NOT_STARTED -> throw refusal("activity " + id + " has not started yet; it starts at "
                    + o.activity().startTime());
            case ENDED -> throw refusal("activity " + id + " has ended");
            case NOT_ACTIVE -> throw refusal("activity " + id + " is paused");
            case NOT_IN_REDIS -> throw refusal("activity " + id + " has not been started by an operator");
            case VOIDED, SEQ_STALE -> throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription(
                    "the grab was interrupted (" + o.code() + "); nothing was granted, retry"));
        };
    }

    private static StatusRuntimeException refusal(String message) {
        return new StatusRuntimeException(Status.FAILED_PRECONDITION.withDescription(message));
    }
}
