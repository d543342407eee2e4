package io.flashcoupon.ingress;

import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place a grab's answer becomes the call's reply or gRPC status. */
final class GrabReplies {
    private static final Logger log = LoggerFactory.getLogger(GrabReplies.class);

    private GrabReplies() {}

    /** What a FlashSaleCoupon call gets: a response, or else a status. */
    record Reply(FlashSaleResponse response, Status status) {
        static Reply of(FlashSaleResponse response) {
            return new Reply(response, null);
        }

        static Reply of(Status status) {
            return new Reply(null, status);
        }

        void sendTo(StreamObserver<FlashSaleResponse> out) {
            if (status != null) {
                out.onError(status.asRuntimeException());
            } else {
                out.onNext(response);
                out.onCompleted();
            }
        }
    }

    /** The reply or status of {@code a}; failures are logged here, once, with their cause. */
    static Reply reply(GrabAnswer a) {
        return switch (a.verdict()) {
            // REPEATED: a retry of a request granted before gets that grant again.
            case GRANTED, REPEATED -> Reply.of(FlashSaleResponse.newBuilder()
                    .setSuccess(true).setCode(GrabCode.GRANTED).setCouponSn(a.couponSn())
                    .setRemainingCount(a.remaining()).setSeq(a.seq())
                    .setMessage(a.message()).build());
            case SOLD_OUT -> Reply.of(FlashSaleResponse.newBuilder()
                    .setCode(GrabCode.SOLD_OUT).setRemainingCount(0)
                    .setMessage(a.message()).build());
            case LIMIT_REACHED -> Reply.of(FlashSaleResponse.newBuilder()
                    .setCode(GrabCode.LIMIT_REACHED).setRemainingCount(a.remaining()).setSeq(a.seq())
                    .setMessage(a.message()).build());
            case NOT_STARTED, ENDED, NOT_ACTIVE, NOT_IN_REDIS ->
                    Reply.of(Status.FAILED_PRECONDITION.withDescription(a.message()));
            case UNAVAILABLE -> {
                log.warn("grab unavailable: {} (cause: {})", a.message(), String.valueOf(a.cause()));
                yield Reply.of(Status.UNAVAILABLE.withDescription(a.message()));
            }
            case DEADLINE_EXCEEDED -> Reply.of(Status.DEADLINE_EXCEEDED.withDescription(a.message()));
            case INVALID -> Reply.of(Status.INVALID_ARGUMENT.withDescription(a.message()));
            case NOT_FOUND -> Reply.of(Status.NOT_FOUND.withDescription(a.message()));
            case SHED -> Reply.of(Status.RESOURCE_EXHAUSTED.withDescription(a.message()));
            case INTERNAL -> {
                log.error("unexpected failure", a.cause());
                yield Reply.of(Status.INTERNAL.withDescription(a.message()));
            }
        };
    }
}
