package io.flashcoupon.ingress;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.core.sale.SerialsUnavailableException;
import java.util.Locale;

/**
 * What a FlashSaleCoupon call is answered. Every path ends in one - admission's checks and local
 * refusals, the grab script's answer, a request id's settle, shedding, a deadline, a failure - and
 * the answer is then counted under {@link Verdict#label} and turned into the reply or gRPC status by
 * the one switch in {@link GrabReplies}, so the meter and the client can never disagree.
 *
 * @param verdict what the caller is told
 * @param couponSn the coupon granted (the original one when REPEATED); null otherwise
 * @param remaining stock left as the grab script saw it (0 when refused locally)
 * @param seq the user's n-th coupon of the sale when granted; the user's count when LIMIT_REACHED
 * @param message the reply message or status description
 * @param rejection why admission refused the grab before Redis; null when it did not
 * @param cause the failure behind an UNAVAILABLE or INTERNAL answer (logged, never sent); may be null
 */
public record GrabAnswer(Verdict verdict, String couponSn, long remaining, int seq, String message,
        GrabMetrics.Rejection rejection, Throwable cause) {

    /** What the caller is told; {@link #label} is label {@code code} of coupon_grab_outcomes_total. */
    public enum Verdict {
        GRANTED, SOLD_OUT, LIMIT_REACHED, NOT_STARTED, ENDED, NOT_ACTIVE, NOT_IN_REDIS,
        /** A retry with a request id that was granted before: the original coupon is answered, nothing new granted. */
        REPEATED,
        /**
         * UNAVAILABLE: Redis, the broker or MySQL failed, the grab's coupon_sn collided
         * (SN_COLLISION) on every attempt, or this process does not hold its node-id lease
         * (no coupon_sn can be issued).
         */
        UNAVAILABLE,
        /**
         * DEADLINE_EXCEEDED: the call's deadline passed (or was too close to finish a grab) before its
         * grab started, so it was dropped and nothing changed; or it passed while the call waited for
         * an earlier attempt of its request id, whose outcome a retry with the same request id learns.
         */
        DEADLINE_EXCEEDED,
        /** INVALID_ARGUMENT. */
        INVALID,
        /** NOT_FOUND: no such activity. */
        NOT_FOUND,
        /** RESOURCE_EXHAUSTED: a rate limit or the grab executor is full. */
        SHED,
        /** INTERNAL: anything unexpected. */
        INTERNAL;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /**
     * What the grab script answered {@code r} for a grab from {@code activity}. A refusal recorded by
     * an earlier attempt of the same request id says so: the sale may have changed since.
     */
    public static GrabAnswer of(Activity activity, GrabResult r) {
        long id = activity.id();
        if (r.recorded()) {
            String kept = " when this request_id was first answered; a request_id keeps its first outcome";
            return switch (r.code()) {
                case SOLD_OUT -> refusal(Verdict.SOLD_OUT, 0, 0, "activity " + id + " was sold out" + kept);
                case LIMIT_REACHED -> refusal(Verdict.LIMIT_REACHED, r.remaining(), r.seq(), "user already held "
                        + "the " + activity.perUserLimit() + " coupons allowed in activity " + id + kept);
                case ENDED -> refusal(Verdict.ENDED, r.remaining(), r.seq(), "activity " + id + " had ended" + kept);
                case NOT_ACTIVE -> refusal(Verdict.NOT_ACTIVE, r.remaining(), r.seq(), "activity " + id
                        + " was paused" + kept);
                default -> throw new IllegalStateException("a request id cannot have kept " + r.code());
            };
        }
        return switch (r.code()) {
            case GRANTED -> new GrabAnswer(Verdict.GRANTED, r.couponSn(), r.remaining(), r.seq(),
                    "granted coupon " + r.couponSn(), null, null);
            case REPEATED -> repeated(r.couponSn(), r.remaining(), r.seq());
            case SOLD_OUT -> refusal(Verdict.SOLD_OUT, 0, 0, "activity " + id + " is sold out");
            case LIMIT_REACHED -> refusal(Verdict.LIMIT_REACHED, r.remaining(), r.seq(), "user already holds "
                    + r.seq() + " of " + activity.perUserLimit() + " coupons allowed in activity " + id);
            case NOT_STARTED -> refusal(Verdict.NOT_STARTED, r.remaining(), r.seq(), "activity " + id
                    + " has not started yet; it starts at " + activity.startTime());
            case ENDED -> refusal(Verdict.ENDED, r.remaining(), r.seq(), "activity " + id + " has ended");
            case NOT_ACTIVE -> refusal(Verdict.NOT_ACTIVE, r.remaining(), r.seq(), "activity " + id + " is paused");
            case NOT_IN_REDIS -> refusal(Verdict.NOT_IN_REDIS, r.remaining(), r.seq(), "activity " + id
                    + " has not been started by an operator");
            case FENCED -> unavailable("sale " + id + " is fenced while it is healed; nothing was granted, retry", null);
            case SN_COLLISION, SEGMENT_EMPTY -> unavailable("the grab was interrupted (" + r.code()
                    + "); nothing was granted, retry", null);
        };
    }

    /** A call dropped or given up for its deadline: {@code message} says which and what is known. */
    public static GrabAnswer deadlineExceeded(String message) {
        return new GrabAnswer(Verdict.DEADLINE_EXCEEDED, null, 0, 0, message, null, null);
    }

    /**
     * What a call that joined an earlier attempt of its request id is answered, {@code first} being
     * that attempt's answer: its grant as a repeat (counted apart from new grants), anything else as is.
     */
    public static GrabAnswer joined(GrabAnswer first) {
        return first.verdict == Verdict.GRANTED ? repeated(first.couponSn, first.remaining, first.seq)
                : new GrabAnswer(first.verdict, first.couponSn, first.remaining, first.seq, first.message, null,
                        first.cause);
    }

    /** Admission's refusal {@code local} of a grab from {@code activity}, without touching Redis. */
    public static GrabAnswer refusedLocally(Activity activity, GrabCode local) {
        GrabAnswer a = of(activity, new GrabResult(local, 0, 0, null));
        return new GrabAnswer(a.verdict, null, a.remaining, a.seq, a.message,
                GrabMetrics.Rejection.ofLocal(local, activity.status()), null);
    }

    /** The original grant of a retried request: answered like a grant, counted apart. */
    public static GrabAnswer repeated(String couponSn, long remaining, int seq) {
        return new GrabAnswer(Verdict.REPEATED, couponSn, remaining, seq, "granted coupon " + couponSn, null, null);
    }

    /** A malformed argument: {@code field} and what is wrong with it. */
    public static GrabAnswer invalid(String field, String problem) {
        return new GrabAnswer(Verdict.INVALID, null, 0, 0, field + " " + problem, null, null);
    }

    public static GrabAnswer notFound(String message) {
        return new GrabAnswer(Verdict.NOT_FOUND, null, 0, 0, message, null, null);
    }

    /** Refused for load before Redis: a rate limit or the full grab executor ({@code why}). */
    public static GrabAnswer shed(GrabMetrics.Rejection why, String message) {
        return new GrabAnswer(Verdict.SHED, null, 0, 0, message, why, null);
    }

    /** Nothing was granted, or the outcome is unknown; the client may retry. */
    public static GrabAnswer unavailable(String message, Throwable cause) {
        return new GrabAnswer(Verdict.UNAVAILABLE, null, 0, 0, message, null, cause);
    }

    /**
     * The answer to a grab that threw {@code e}: UNAVAILABLE when Redis or MySQL failed or no coupon_sn
     * could be issued (the node-id lease is not held), the argument
     * and lookup refusals as such, INTERNAL for anything else (a bug).
     */
    public static GrabAnswer ofFailure(RuntimeException e) {
        if (e instanceof SaleStoreException || e instanceof DataAccessException
                || e instanceof SerialsUnavailableException) {
            return unavailable(e.getMessage(), e.getCause());
        }
        if (e instanceof InvalidInputException) {
            return new GrabAnswer(Verdict.INVALID, null, 0, 0, e.getMessage(), null, null);
        }
        if (e instanceof NotFoundException) {
            return notFound(e.getMessage());
        }
        return new GrabAnswer(Verdict.INTERNAL, null, 0, 0, "internal error", null, e);
    }

    /** Whether this answer reports a failure rather than a business outcome (UNAVAILABLE, INTERNAL). */
    public boolean failed() {
        return verdict == Verdict.UNAVAILABLE || verdict == Verdict.INTERNAL;
    }

    private static GrabAnswer refusal(Verdict verdict, long remaining, int seq, String message) {
        return new GrabAnswer(verdict, null, remaining, seq, message, null, null);
    }
}
