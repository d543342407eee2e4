package io.flashcoupon.ingress;

import io.flashcoupon.proto.v1.CouponGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Runs every coupon.v1.Coupon handler on the transport thread that decoded the request instead of
 * handing it to the server's default (unbounded) executor. No handler blocks there: FlashSaleCoupon's
 * admission is in memory and a grab goes on to the bounded grab executor (a request id's settle is an
 * asynchronous Redis call, a call waiting for an earlier attempt a callback); every other RPC only hands
 * its work to its class's bounded executor ({@link RpcExecutors}), or answers RESOURCE_EXHAUSTED when
 * that is full. Answers written on the transport thread are flushed with the others of the same
 * event-loop turn. Health and reflection keep the default executor.
 */
public final class CouponCallExecutors implements ServerCallExecutorSupplier {
    private static final Executor DIRECT = Runnable::run;

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return CouponGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName()) ? DIRECT : null;
    }
}
