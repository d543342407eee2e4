package io.flashcoupon.admin;

import io.flashcoupon.core.auth.AdminTokens;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.saga.BranchCredential;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Bearer-token access to the admin API. Every request passes {@link #check} before its handler:
 * <ul>
 * <li>open: GET of the probes and the scrape (/healthz, /readyz, /metrics), the API description
 *     (/openapi.json, /docs, /webjars/...) and the dashboard page and its assets (/dashboard, /ui/...);
 *     the page itself holds no data, it calls the API with the operator's token;
 * <li>DTM: every /api/v1/dtm/ route (the Saga branches, whatever the method) takes the credential of
 *     the Saga named by its {@code gid} query parameter - {@code Bearer <hex HMAC-SHA256(saga.branch-token,
 *     gid)>} ({@link BranchCredential}) - and nothing else: no admin token, no call without a gid, no
 *     other Saga's value, so only DTM can lock, use, unlock or revert a coupon;
 * <li>operate: every other method than GET and HEAD;
 * <li>read (or operate): every other GET, including the wallets under /api/v1/users.
 * </ul>
 * No token, a malformed header or an unknown token is 401 (with {@code WWW-Authenticate: Bearer}),
 * as is anything but the Saga's credential on a DTM route;
 * a read token on an operate route is 403. Who a token is comes from core's {@link AdminTokens} (digests
 * only, compared in constant time; the gRPC admin RPCs use the same); no token, digest or header value
 * is ever logged or put in a reply.
 */
public final class AdminAuth {
    /** What a token may do; operate includes read; DTM is the Saga branches' own credential. */
    public enum Role { READ, OPERATE, DTM }

    private static final Set<String> OPEN_PATHS = Set.of("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs",
            "/dashboard");
    private static final List<String> OPEN_PREFIXES = List.of("/ui/", "/webjars/");

    private final AdminTokens tokens;
    private final BranchCredential dtm;

    private AdminAuth(AdminTokens tokens, BranchCredential dtm) {
        this.tokens = tokens;
        this.dtm = dtm;
    }

    /** The tokens of {@code config} and DTM's branch credential (already validated by ConfigValidator). */
    public static AdminAuth of(ServiceConfig.Admin config, BranchCredential dtm) {
        return new AdminAuth(AdminTokens.of(config), dtm);
    }

    /** The role a request needs; null when it is open. */
    static Role required(HandlerType method, String path) {
        if (path.startsWith(DtmBranchRoutes.PREFIX + "/") || path.equals(DtmBranchRoutes.PREFIX)) {
            return Role.DTM;
        }
        boolean read = HandlerType.GET.equals(method) || HandlerType.HEAD.equals(method);
        if (!read) {
            return HandlerType.OPTIONS.equals(method) ? null : Role.OPERATE;
        }
        if (OPEN_PATHS.contains(path)) {
            return null;
        }
        for (String prefix : OPEN_PREFIXES) {
            if (path.startsWith(prefix)) {
                return null;
            }
        }
        return Role.READ;
    }

    /** The role of the token in an Authorization header value; null when absent, malformed or unknown. */
    Role roleOf(String authorization) {
        AdminTokens.Caller caller = callerOf(authorization);
        return caller == null ? null : caller.role() == AdminTokens.Role.OPERATE ? Role.OPERATE : Role.READ;
    }

    /** The name and role of the token in an Authorization header value; null when absent, malformed or unknown. */
    AdminTokens.Caller callerOf(String authorization) {
        return tokens.callerOf(authorization);
    }

    /** Javalin before-handler: throws {@link AccessDeniedException} unless the request may proceed. */
    void check(Context ctx) {
        Role needed = required(ctx.method(), ctx.path());
        if (needed == null) {
            return;
        }
        if (needed == Role.DTM) {
            if (!dtm.accepts(ctx.queryParam("gid"), ctx.header("Authorization"))) {
                throw new AccessDeniedException(ApiError.UNAUTHENTICATED, "the Saga branches are called by DTM"
                        + " only, with query parameter gid and 'Authorization: Bearer <hex HMAC-SHA256("
                        + "saga.branch-token, gid)>' (the Saga's branch_headers)");
            }
            return;
        }
        Role role = roleOf(ctx.header("Authorization"));
        if (role == null) {
            throw new AccessDeniedException(ApiError.UNAUTHENTICATED,
                    "this route needs 'Authorization: Bearer <token>' with a token of role "
                            + needed.name().toLowerCase(Locale.ROOT) + " (admin." + tokensKey(needed) + ")");
        }
        if (needed == Role.OPERATE && role != Role.OPERATE) {
            throw new AccessDeniedException(ApiError.PERMISSION_DENIED,
                    "this route needs a token of role operate (admin.operate-tokens); the token given may only read");
        }
    }

    private static String tokensKey(Role role) {
        return AdminTokens.tokensKey(role == Role.OPERATE ? AdminTokens.Role.OPERATE : AdminTokens.Role.READ)
                .substring("admin.".length());
    }

    /** A request refused by {@link #check}: 401 or 403. */
    static final class AccessDeniedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient ApiError error;

        AccessDeniedException(ApiError error, String message) {
            super(message, null, false, false);
            this.error = error;
        }

        ApiError error() {
            return error;
        }
    }
}
