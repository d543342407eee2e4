package io.flashcoupon.ingress.saga;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Copies the metadata DTM sends with a gRPC branch call (dtm-gid, dtm-trans_type, dtm-branch_id,
 * dtm-op) into the call's {@link Context}, where {@link SagaBranchesGrpc} reads it.
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

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String gid = headers.get(M_GID);
        if (gid == null) {
            return next.startCall(call, headers);
        }
        Context ctx = Context.current()
                .withValue(GID, gid)
                .withValue(TRANS_TYPE, headers.get(M_TRANS_TYPE))
                .withValue(BRANCH_ID, headers.get(M_BRANCH_ID))
                .withValue(OP, headers.get(M_OP));
        return Contexts.interceptCall(ctx, call, headers, next);
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }
}
