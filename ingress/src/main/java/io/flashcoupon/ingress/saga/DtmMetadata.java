package io.flashcoupon.ingress.saga;

import io.flashcoupon.core.saga.BranchCredential;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;

/**
 * The gate of the four Saga branch RPCs (LockUserCoupon, UnlockUserCoupon, UseLockedCoupon,
 * RevertUsedCoupon): a call without its Saga's credential - metadata {@code authorization: Bearer
 * <hex HMAC-SHA256(saga.branch-token, dtm-gid)>} ({@link BranchCredential}), which DTM sends because
 * the Saga names it in its branch headers - or without {@code dtm-gid} is closed UNAUTHENTICATED
 * before it reaches the service, so nothing changes. The credential is recomputed from the call's own
 * dtm-gid, so a value read from DTM's query API opens no other Saga's branches. Port 9090 is the shoppers' port;
 * only DTM may move a coupon between states. An admitted call gets the metadata DTM sends with it
 * (dtm-gid, dtm-trans_type, dtm-branch_id, dtm-op) in its {@link Context}, where
 * {@link SagaBranchesGrpc} reads it. Every other RPC passes untouched.
 */
public final class DtmMetadata implements ServerInterceptor {
    static final Context.Key<String> GID = Context.key("dtm-gid");
    static final Context.Key<String> TRANS_TYPE = Context.key("dtm-trans_type");
    static final Context.Key<String> BRANCH_ID = Context.key("dtm-branch_id");
    static final Context.Key<String> OP = Context.key("dtm-op");

    private static final Metadata.Key<String> M_GID = key("dtm-gid");
    private static final Metadata.Key<String> M_TRANS_TYPE = key("dtm-trans_type");
    private static final Metadata.Key<String> M_BRANCH_ID = key("dtm-branch_id");
    private static final Metadata.Key<String> M_OP = key("dtm-op");
    private static final Metadata.Key<String> AUTHORIZATION = key("authorization");
    private static final Set<String> BRANCHES = Set.of(
            CouponGrpc.getLockUserCouponMethod().getFullMethodName(),
            CouponGrpc.getUnlockUserCouponMethod().getFullMethodName(),
            CouponGrpc.getUseLockedCouponMethod().getFullMethodName(),
            CouponGrpc.getRevertUsedCouponMethod().getFullMethodName());

    private final BranchCredential credential;

    public DtmMetadata(BranchCredential credential) {
        this.credential = credential;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (!BRANCHES.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        if (!credential.accepts(headers.get(M_GID), headers.get(AUTHORIZATION))) {
            call.close(Status.UNAUTHENTICATED.withDescription("the Saga branches are called by DTM only, with"
                    + " metadata dtm-gid and 'authorization: Bearer <hex HMAC-SHA256(saga.branch-token, gid)>'"
                    + " (the Saga's branch headers)"),
                    new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context ctx = Context.current()
                .withValue(GID, headers.get(M_GID))
                .withValue(TRANS_TYPE, headers.get(M_TRANS_TYPE))
                .withValue(BRANCH_ID, headers.get(M_BRANCH_ID))
                .withValue(OP, headers.get(M_OP));
        return Contexts.interceptCall(ctx, call, headers, next);
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }
}
