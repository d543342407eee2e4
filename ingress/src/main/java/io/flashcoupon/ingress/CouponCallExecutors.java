package io.flashcoupon.ingress;

import io.flashcoupon.proto.v1.CouponGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Runs FlashSaleCoupon's handler on the transport thread that decoded the request instead of
 * handing it to the server's default executor. Its handler never blocks there: admission is in
 * memory (an activity-cache miss reads MySQL once per activity and cache period), a grab goes on
 * to the bounded grab executor, a request id's settle is an asynchronous Redis call,
 * and a call waiting for an earlier attempt of its request id is a callback. Answers written
 * on the transport thread are flushed with the others of the same event-loop turn. Every other
 * RPC reads MySQL and keeps the default executor.
 */
public final class GrabCallExecutors implements ServerCallExecutorSupplier {
    private static final Executor DIRECT = Runnable::run;
    private static final String GRAB = CouponGrpc.getFlashSaleCouponMethod().getFullMethodName();

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return GRAB.equals(call.getMethodDescriptor().getFullMethodName()) ? DIRECT : null;
    }
}
