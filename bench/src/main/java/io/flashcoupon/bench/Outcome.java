package io.flashcoupon.bench;

import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.grpc.Status;

/** How the load generator classifies one grab's answer. */
enum Outcome {
    GRANTED, SOLD_OUT, LIMIT, SHED, ERROR;

    static Outcome of(FlashSaleResponse r) {
        if (r.getCode() == GrabCode.GRANTED) {
            return GRANTED;
        }
        return r.getCode() == GrabCode.SOLD_OUT ? SOLD_OUT : r.getCode() == GrabCode.LIMIT_REACHED ? LIMIT : ERROR;
    }

    static Outcome of(Throwable t) {
        return Status.fromThrowable(t).getCode() == Status.Code.RESOURCE_EXHAUSTED ? SHED : ERROR;
    }

    /** Whether a user who got this answer tries again (while attempts are left). */
    boolean retried() {
        return this == SOLD_OUT || this == SHED || this == ERROR;
    }
}
