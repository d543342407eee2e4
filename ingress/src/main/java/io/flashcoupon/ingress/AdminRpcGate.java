package io.flashcoupon.ingress;

import io.flashcoupon.core.auth.AdminTokens;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The gate of the operators' RPCs on the shoppers' port (StartFlashSale, CreateCouponTemplate,
 * UpdateCouponTemplate): a call without metadata {@code authorization: Bearer <token>} carrying a
 * known admin token (the admin REST API's, {@link AdminTokens}) is closed UNAUTHENTICATED before it
 * reaches the service, so nothing changes and nobody is recorded (it names nobody). A known token's
 * caller and the call's request id - metadata {@code x-request-id} (1 to 128 printable characters),
 * else a generated one, answered in the response headers either way - go into the call's
 * {@link Context}; {@link AdminRpcAudit} then refuses a read token PERMISSION_DENIED and records
 * every call. Every other RPC (the shoppers', the Saga branches with their own credential) passes
 * untouched. Runs on the transport thread: a digest comparison, no I/O.
 */
public final class AdminRpcGate implements ServerInterceptor {
    /** The caller of an admitted admin call. */
    static final Context.Key<AdminTokens.Caller> CALLER = Context.key("admin-caller");
    /** The request id of an admitted admin call. */
    static final Context.Key<String> REQUEST_ID = Context.key("admin-request-id");

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> X_REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Pattern GOOD_REQUEST_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");

    /** The operators' RPCs by full method name, with what the audit trail calls them. */
    static final Map<String, AuditedRpc> ADMIN_RPCS = Map.of(
            CouponGrpc.getStartFlashSaleMethod().getFullMethodName(), AuditedRpc.START_FLASH_SALE,
            CouponGrpc.getCreateCouponTemplateMethod().getFullMethodName(), AuditedRpc.CREATE_TEMPLATE,
            CouponGrpc.getUpdateCouponTemplateMethod().getFullMethodName(), AuditedRpc.UPDATE_TEMPLATE);

    private final AdminTokens tokens;

    public AdminRpcGate(AdminTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        AuditedRpc rpc = ADMIN_RPCS.get(call.getMethodDescriptor().getFullMethodName());
        if (rpc == null) {
            return next.startCall(call, headers);
        }
        AdminTokens.Caller caller = tokens.callerOf(headers.get(AUTHORIZATION));
        if (caller == null) {
            call.close(Status.UNAUTHENTICATED.withDescription(unauthenticated(rpc)), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        String requestId = requestId(headers.get(X_REQUEST_ID));
        ServerCall<Q, R> answering = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(X_REQUEST_ID, requestId);
                super.sendHeaders(responseHeaders);
            }
        };
        Context ctx = Context.current().withValue(CALLER, caller).withValue(REQUEST_ID, requestId);
        return Contexts.interceptCall(ctx, answering, headers, next);
    }

    /** The description of a call refused for its missing, malformed or unknown token. */
    static String unauthenticated(AuditedRpc rpc) {
        return rpc.rpcName() + " needs metadata 'authorization: Bearer <token>' with a token of role operate ("
                + AdminTokens.tokensKey(AdminTokens.Role.OPERATE) + ", the admin API's tokens)";
    }

    /** The caller's request id when it is 1 to 128 printable ASCII characters, else a new UUID. */
    static String requestId(String given) {
        return given != null && GOOD_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }
}
