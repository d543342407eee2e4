package io.flashcoupon.core.saga;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The credential DTM sends with every Saga branch call (saga.branch-token): the Saga is submitted
 * with {@code branch_headers} {@code {"authorization": "Bearer <token>"}}, which DTM adds to each
 * HTTP branch request as a header and to each gRPC branch call as metadata. Only DTM is given the
 * token, so only DTM can lock, use, unlock or revert a coupon. Kept as a SHA-256 digest and compared
 * with {@link MessageDigest#isEqual}, so the time taken says nothing about how much of a token
 * matched; the token is never logged, and toString does not show it.
 */
public final class BranchCredential {
    private static final String BEARER = "Bearer ";
    private final byte[] digest;

    private BranchCredential(byte[] digest) {
        this.digest = digest;
    }

    /** The credential for {@code token} (validated at start by ConfigValidator). */
    public static BranchCredential of(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("saga.branch-token is required");
        }
        return new BranchCredential(digest(token));
    }

    /** True when {@code authorization} (a header or metadata value) is "Bearer &lt;the token&gt;". */
    public boolean accepts(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(digest, digest(authorization.substring(BEARER.length()).trim()));
    }

    @Override
    public String toString() {
        return "BranchCredential[hidden]";
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
