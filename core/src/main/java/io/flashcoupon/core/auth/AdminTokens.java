package io.flashcoupon.core.auth;

import io.flashcoupon.core.config.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The operators' bearer tokens (admin.read-tokens, admin.operate-tokens and their names), shared by
 * the admin REST API (AdminAuth) and the gRPC admin RPCs (the ingress's AdminRpcGate): who an
 * {@code Authorization} header or metadata value is, and whether that may do what a call needs.
 * Tokens are kept only as SHA-256 digests and compared with {@link MessageDigest#isEqual} against
 * every known digest (no early exit), so the time taken says nothing about how much of a token
 * matched. A caller is told by its configured name, never its token; nothing here logs.
 */
public final class AdminTokens {
    /** What a token may do; operate includes read. */
    public enum Role {
        READ, OPERATE;

        /** The role as the audit log stores it: read, operate. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Who a known token is: its configured name (never the token) and role. */
    public record Caller(String name, Role role) {
        /** True when this caller may do what {@code needed} allows (operate includes read). */
        public boolean may(Role needed) {
            return role == Role.OPERATE || needed == Role.READ;
        }
    }

    private static final String BEARER = "Bearer ";

    private record Known(byte[] digest, Caller caller) {}

    private final List<Known> known;

    private AdminTokens(List<Known> known) {
        this.known = List.copyOf(known);
    }

    /** The tokens of {@code config} (already validated by ConfigValidator), each with its name. */
    public static AdminTokens of(ServiceConfig.Admin config) {
        List<Known> known = new ArrayList<>();
        for (int i = 0; i < config.readTokens().size(); i++) {
            known.add(new Known(digest(config.readTokens().get(i)), new Caller(config.readTokenName(i), Role.READ)));
        }
        for (int i = 0; i < config.operateTokens().size(); i++) {
            known.add(new Known(digest(config.operateTokens().get(i)),
                    new Caller(config.operateTokenName(i), Role.OPERATE)));
        }
        return new AdminTokens(known);
    }

    /**
     * The caller whose token an {@code Authorization} value ({@code Bearer <token>}, scheme in any
     * case) carries; null when absent, malformed or unknown.
     */
    public Caller callerOf(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        byte[] presented = digest(authorization.substring(BEARER.length()).trim());
        Caller found = null;
        for (Known k : known) { // no early exit: every digest is compared
            if (MessageDigest.isEqual(k.digest(), presented)) {
                found = k.caller();
            }
        }
        return found;
    }

    /** The configuration key that lists the tokens of {@code role}, for messages. */
    public static String tokensKey(Role role) {
        return role == Role.OPERATE ? "admin.operate-tokens" : "admin.read-tokens or admin.operate-tokens";
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
