package io.flashcoupon.systemtest.support;

import java.util.List;
import java.util.Map;

/**
 * What a crowd of FlashSaleCoupon clients saw of one sale, for {@link SaleInvariants#compare}: only
 * answers that came over the wire, nothing read from the service's insides.
 *
 * @param grants every coupon_sn a grab was answered GRANTED, and who was told so
 * @param requests every request_id sent, with its user and every definitive answer its attempts got,
 *        in the order they came (none when no attempt was ever answered with one)
 * @param unknownWithoutRequestId per user, grabs sent without a request_id whose outcome the client
 *        never learnt: they failed without saying that nothing was granted (a dropped connection, a
 *        deadline, "outcome unknown"), so each may or may not have become a coupon
 */
public record ClientView(Map<String, Granted> grants, Map<String, Asked> requests,
        Map<Long, Integer> unknownWithoutRequestId) {

    public ClientView {
        grants = Map.copyOf(grants);
        requests = Map.copyOf(requests);
        unknownWithoutRequestId = Map.copyOf(unknownWithoutRequestId);
    }

    /** Who was told GRANTED for a coupon_sn: the user and the grab's request_id (null when it had none). */
    public record Granted(long user, String requestId) {}

    /** A request_id as the client knows it: its user and the definitive answers of its attempts, in order. */
    public record Asked(long user, List<Outcome> answers) {
        public Asked {
            answers = List.copyOf(answers);
        }

        /** The request's first definitive outcome; null while the client does not know it. */
        public Outcome first() {
            return answers.isEmpty() ? null : answers.get(0);
        }
    }

    /**
     * A definitive answer to a grab: GRANTED with its coupon_sn, or a refusal by its code (SOLD_OUT,
     * LIMIT_REACHED as replies; FAILED_PRECONDITION for a sale that was paused or had ended).
     */
    public record Outcome(String code, String couponSn) {
        public static final String GRANTED = "GRANTED";

        public static Outcome granted(String couponSn) {
            return new Outcome(GRANTED, couponSn);
        }

        public static Outcome refused(String code) {
            return new Outcome(code, null);
        }

        public boolean isGrant() {
            return GRANTED.equals(code);
        }

        @Override
        public String toString() {
            return isGrant() ? GRANTED + " " + couponSn : code;
        }
    }
}
