package io.flashcoupon.core.saga;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The credential DTM sends with every Saga branch call: a per-Saga value, {@code Bearer <hex
 * HMAC-SHA256(saga.branch-token, gid)>} ({@link #forSaga}). Whoever submits a Saga puts it in the
 * Saga's {@code branch_headers} ({@code {"authorization": ...}}), which DTM adds to each HTTP branch
 * request as a header and to each gRPC branch call as metadata. The gates ({@link #accepts}) recompute
 * it from the gid of the call itself - the {@code gid} query parameter over HTTP, {@code dtm-gid}
 * metadata over gRPC - so a value only opens the branches of its own Saga, and a call without a gid is
 * refused. DTM stores branch_headers and hands them back from its unauthenticated query API; what
 * leaks that way is good only for a Saga that already ran (its barrier answers a repeat as a
 * duplicate), never for another coupon. The secret itself stays with the service and the Saga
 * submitters. Compared with {@link MessageDigest#isEqual}; the secret is never logged, and toString
 * does not show it.
 *
 * <p>Known gap: a leaked value still authorizes its own gid, so a caller who reads it before DTM
 * has run every branch of that Saga can call those branches (with any payload) first.
 */
public final class BranchCredential {
    private static final String BEARER = "Bearer ";
    private static final String HMAC = "HmacSHA256";
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final SecretKeySpec key;

    private BranchCredential(SecretKeySpec key) {
        this.key = key;
    }

    /** The credential keyed by {@code secret} = saga.branch-token (validated at start by ConfigValidator). */
    public static BranchCredential of(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("saga.branch-token is required");
        }
        return new BranchCredential(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
    }

    /**
     * The authorization value the Saga {@code gid} carries in its branch_headers:
     * {@code "Bearer " + hex(HMAC-SHA256(saga.branch-token, gid))}, lower-case hex (what
     * {@code printf %s "$gid" | openssl dgst -sha256 -hmac "$secret"} prints).
     */
    public String forSaga(String gid) {
        if (gid == null || gid.isEmpty()) {
            throw new IllegalArgumentException("a Saga credential needs the Saga's gid");
        }
        byte[] mac = mac(gid);
        char[] out = new char[BEARER.length() + mac.length * 2];
        BEARER.getChars(0, BEARER.length(), out, 0);
        int i = BEARER.length();
        for (byte b : mac) {
            out[i++] = HEX[(b >> 4) & 0xf];
            out[i++] = HEX[b & 0xf];
        }
        return new String(out);
    }

    /**
     * True when {@code authorization} (a header or metadata value) is {@link #forSaga}({@code gid});
     * false without a gid.
     */
    public boolean accepts(String gid, String authorization) {
        if (gid == null || gid.isEmpty() || authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        String expected = forSaga(gid).substring(BEARER.length());
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "BranchCredential[hidden]";
    }

    private byte[] mac(String gid) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(gid.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
