package io.flashcoupon.ingress;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.discount.DiscountException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status a failed RPC (other than a grab) answers: bad input INVALID_ARGUMENT, an unknown id
 * NOT_FOUND, a state that forbids the call FAILED_PRECONDITION, an unreachable MySQL or Redis
 * UNAVAILABLE (logged at WARN), anything else INTERNAL (logged at ERROR with its stack); a status
 * already chosen passes through.
 */
final class RpcErrors {
    private static final Logger log = LoggerFactory.getLogger(CouponGrpcService.class);

    private RpcErrors() {}

    static StatusRuntimeException status(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof InvalidInputException || e instanceof DiscountException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof NotFoundException) {
            return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof ConflictException) {
            return Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof DataAccessException) {
            log.warn("database unavailable: {} (cause: {})", e.getMessage(), String.valueOf(e.getCause()));
            return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof SaleStoreException) {
            log.warn("Redis unavailable: {} (cause: {})", e.getMessage(), String.valueOf(e.getCause()));
            return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        }
        log.error("unexpected failure", e);
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }

    /**
     * The HTTP status the audit log stores for a gRPC answer (its column is the REST answer's status):
     * the one the admin REST API answers for the same refusal, so one query finds both.
     */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case CANCELLED -> 499;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
    }
}
