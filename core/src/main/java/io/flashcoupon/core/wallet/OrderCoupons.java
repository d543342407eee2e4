package io.flashcoupon.core.wallet;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TermsLookup;
import io.flashcoupon.discount.Availability;
import io.flashcoupon.discount.BestCombination;
import io.flashcoupon.discount.CouponRule;
import io.flashcoupon.discount.DiscountEngine;
import io.flashcoupon.discount.DiscountResult;
import io.flashcoupon.discount.Order;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * A user's wallet against an order, for GetAvailableCouponsForOrder / CalculateDiscount (gRPC) and
 * their admin REST twins. A wallet coupon is spendable when it is UNUSED and now is inside its
 * validity; the engine then judges it on the order, with the terms of the template version the
 * coupon was granted with (never the template as edited since). Known gap: a wallet is read up to
 * {@link #WALLET_LIMIT} coupons (newest first).
 */
public final class OrderCoupons {
    public static final int WALLET_LIMIT = 500;

    private final TermsLookup terms;
    private final LongFunction<List<UserCoupon>> wallets;
    private final UserCouponRepository coupons;
    private final DiscountEngine engine;
    private final Clock clock;

    /** Template versions and wallets straight from MySQL. */
    public OrderCoupons(TermsLookup terms, UserCouponRepository coupons, DiscountEngine engine, Clock clock) {
        this(terms, userId -> coupons.wallet(userId, WALLET_LIMIT), coupons, engine, clock);
    }

    /**
     * {@code terms}: a template version's terms (the granted-terms cache); {@code wallets}: a user's newest
     * {@link #WALLET_LIMIT} coupons (the wallet cache); {@code coupons}: single coupons by id.
     */
    public OrderCoupons(TermsLookup terms, LongFunction<List<UserCoupon>> wallets,
            UserCouponRepository coupons, DiscountEngine engine, Clock clock) {
        this.terms = terms;
        this.wallets = wallets;
        this.coupons = coupons;
        this.engine = engine;
        this.clock = clock;
    }

    /** One wallet coupon's verdict on an order. */
    public record Verdict(UserCoupon coupon, boolean usable, long discountCents, String reason) {}

    /** Every wallet coupon's verdict (newest first) and the best combination of the spendable ones. */
    public record Available(List<Verdict> coupons, BestCombination best) {}

    public Available available(long userId, Order order) {
        positive(userId);
        Instant now = clock.instant();
        Map<TemplateVersion, Optional<Template>> byVersion = new HashMap<>();
        Map<Long, Verdict> verdicts = new LinkedHashMap<>();
        Map<Long, UserCoupon> byId = new HashMap<>();
        List<CouponRule> spendable = new ArrayList<>();
        for (UserCoupon c : wallets.apply(userId)) {
            byId.put(c.id(), c);
            verdicts.put(c.id(), null);
            String reason = unusableReason(c, now);
            Optional<Template> t = byVersion.computeIfAbsent(new TemplateVersion(c.templateId(), c.templateVersion()),
                    v -> terms.find(v.templateId(), v.version()));
            if (reason == null && t.isEmpty()) {
                reason = "version " + c.templateVersion() + " of its template " + c.templateId() + " does not exist";
            }
            if (reason != null) {
                verdicts.put(c.id(), new Verdict(c, false, 0, reason));
            } else {
                spendable.add(t.get().couponRule(c.id()));
            }
        }
        for (Availability a : engine.availability(order, spendable)) {
            verdicts.put(a.couponId(), new Verdict(byId.get(a.couponId()), a.usable(), a.discountCents(),
                    a.usable() ? "" : a.reason()));
        }
        return new Available(List.copyOf(verdicts.values()), engine.bestCombination(order, spendable));
    }

    /**
     * The discount of exactly these coupons of the user on the order. NotFoundException for an
     * unknown coupon, ConflictException when one is not the user's or not spendable now,
     * InvalidInputException for an empty or repeated list; the engine's own refusals (stacking)
     * are DiscountExceptions.
     */
    public DiscountResult calculate(long userId, List<Long> couponIds, Order order) {
        positive(userId);
        if (couponIds.isEmpty()) {
            throw new InvalidInputException("coupon_ids", "must name at least one coupon");
        }
        Instant now = clock.instant();
        Set<Long> seen = new HashSet<>();
        List<CouponRule> rules = new ArrayList<>();
        for (long id : couponIds) {
            if (!seen.add(id)) {
                throw new InvalidInputException("coupon_ids", "coupon " + id + " is listed twice");
            }
            UserCoupon c = coupons.find(id).orElseThrow(() -> new NotFoundException("coupon " + id + " does not exist"));
            if (c.userId() != userId) {
                throw new ConflictException("coupon " + id + " does not belong to user " + userId);
            }
            String reason = unusableReason(c, now);
            if (reason != null) {
                throw new ConflictException("coupon " + id + " cannot be used: " + reason);
            }
            Template t = terms.find(c.templateId(), c.templateVersion()).orElseThrow(() -> new ConflictException(
                    "coupon " + id + ": version " + c.templateVersion() + " of its template " + c.templateId()
                            + " does not exist"));
            rules.add(t.couponRule(id));
        }
        return engine.calculate(order, rules);
    }

    private record TemplateVersion(long templateId, int version) {}

    /** Why a wallet coupon cannot be spent now whatever the order; null when it can. */
    public static String unusableReason(UserCoupon c, Instant now) {
        if (c.status() == UserCouponStatus.LOCKED) {
            return "locked by an order in payment";
        }
        if (c.status() == UserCouponStatus.USED) {
            return "already used";
        }
        if (c.status() == UserCouponStatus.EXPIRED || !now.isBefore(c.validEnd())) {
            return "expired at " + c.validEnd();
        }
        if (now.isBefore(c.validStart())) {
            return "not valid before " + c.validStart();
        }
        return null;
    }

    private static void positive(long userId) {
        if (userId <= 0) {
            throw new InvalidInputException("user_id", "must be positive, was " + userId);
        }
    }
}
