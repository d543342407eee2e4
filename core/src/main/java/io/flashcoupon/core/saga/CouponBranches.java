package io.flashcoupon.core.saga;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.db.Sql;
import io.flashcoupon.core.outbox.LifecycleEvents;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TermsLookup;
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.core.wallet.UserCouponStatus;
import io.flashcoupon.discount.CouponDiscount;
import io.flashcoupon.discount.CouponRule;
import io.flashcoupon.discount.DiscountEngine;
import io.flashcoupon.discount.DiscountException;
import io.flashcoupon.discount.DiscountResult;
import io.flashcoupon.discount.LineAllocation;
import io.flashcoupon.discount.Order;
import io.flashcoupon.discount.OrderLine;
import io.flashcoupon.discount.Verdict;
import io.flashcoupon.proto.v1.EventType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The four Saga branches of paying with coupons (docs/saga.md). Each runs in
 * ONE local MySQL transaction: the {@link Barrier}, then a single conditional UPDATE whose
 * affected-row count decides, then the usage log (UseLockedCoupon / RevertUsedCoupon) and the
 * lifecycle event in the outbox. A refused action rolls everything back (its barrier row too, as
 * DTM's barrier does), so nothing changes and a retry is judged afresh.
 *
 * <p>A lock or use belongs to the DTM branch that made it: the coupon row keeps its gid and branch
 * id (saga_gid, saga_branch_id); the order number is data. A compensation undoes only what its own
 * branch did ({@code WHERE id=? AND status=? AND saga_gid=? AND saga_branch_id=?}), so a stale
 * Saga's unlock cannot release a newer Saga's lock of the same coupon and order. A use needs the
 * lock of its own Saga. Compensations never refuse: a coupon no longer as their action left it is
 * NOTHING_TO_UNDO, an unreadable payload UNREADABLE.
 *
 * <p>Every price is computed with the terms of the template version the coupon was granted with
 * ({@link TermsLookup}), never the template as edited since. A lock that carries the order refuses a
 * coupon that does not apply to it (alone) before payment; a use that carries the expected discount
 * refuses any other figure, so checkout, payment and the usage log cannot disagree.
 *
 * <p>Known gaps: a lock stays usable after its deadline until the expiry job releases it; a coupon
 * locked or used before migration V14 has no branch, so its compensation finds nothing to undo.
 */
public final class CouponBranches {
    private static final Logger log = LoggerFactory.getLogger(CouponBranches.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String T = Registry.TABLE_USER_COUPONS;

    private final DataSource dataSource;
    private final TermsLookup terms;
    private final DiscountEngine engine;
    private final Clock clock;
    private final Duration lockTtl;
    private final Runnable onEvent;
    private final Outcomes outcomes;
    private final Barrier barrier = new Barrier();

    /** Told every branch call's outcome (metrics): branch name (lock, unlock, use, revert) and result. */
    public interface Outcomes {
        void record(String branch, BranchResult result);
    }

    /** {@code onEvent} runs after a commit that appended an outbox event (wakes the relay). */
    public CouponBranches(DataSource dataSource, TermsLookup terms, DiscountEngine engine, Clock clock,
            Duration lockTtl, Runnable onEvent, Outcomes outcomes) {
        this.dataSource = dataSource;
        this.terms = terms;
        this.engine = engine;
        this.clock = clock;
        this.lockTtl = lockTtl;
        this.onEvent = onEvent;
        this.outcomes = outcomes;
    }

    /**
     * Action: UNUSED -> LOCKED for {@code orderSn} until now + lock TTL; the coupon must be valid now.
     * With the order ({@code lines} not empty; empty: a lock without the order, accepted as before), the
     * coupon must also save something on it alone with its granted terms - else DOES_NOT_APPLY with the
     * engine's reason, nothing changed - and the result carries that stand-alone discount. Alone is the
     * right test for a lock: a coupon's share in any combination is at most what it saves alone
     * (docs/discounts.md), so a coupon refused here could never apply at use; the combination is
     * judged at use.
     */
    public BranchResult lock(BranchContext b, long userId, long couponId, String orderSn, List<OrderLine> lines,
            long shippingFeeCents) {
        return inTx("lock", b, couponId, (c, now) -> {
            Instant deadline = now.plus(lockTtl);
            int n = update(c, "UPDATE " + T + " SET status=2, order_sn=?, lock_deadline=?, saga_gid=?, saga_branch_id=?"
                    + " WHERE id=? AND user_id=? AND status=1 AND valid_start_time<=? AND valid_end_time>?",
                    ps -> {
                        ps.setString(1, orderSn);
                        Sql.setInstant(ps, 2, deadline);
                        ps.setString(3, b.gid());
                        ps.setString(4, b.branchId());
                        ps.setLong(5, couponId);
                        ps.setLong(6, userId);
                        Sql.setInstant(ps, 7, now);
                        Sql.setInstant(ps, 8, now);
                    });
            UserCoupon before = UserCouponRepository.find(c, couponId, false);
            if (n == 0) {
                return refuseAction(before, userId, orderSn, UserCouponStatus.UNUSED, now);
            }
            DiscountResult alone = null;
            if (!lines.isEmpty()) {
                Optional<Template> t = terms.find(c, before.templateId(), before.templateVersion());
                if (t.isEmpty()) {
                    return BranchResult.refused(Refusal.NOT_FOUND, UserCouponStatus.UNUSED, noTerms(before));
                }
                try {
                    alone = engine.calculate(new Order(lines, shippingFeeCents), List.of(t.get().couponRule(couponId)));
                } catch (DiscountException e) {
                    return BranchResult.refused(Refusal.DOES_NOT_APPLY, UserCouponStatus.UNUSED,
                            "invalid order: " + e.getMessage());
                }
                CouponDiscount mine = alone.coupons().get(0);
                if (mine.verdict() != Verdict.APPLIED) {
                    return BranchResult.refused(Refusal.DOES_NOT_APPLY, UserCouponStatus.UNUSED,
                            "coupon " + couponId + " does not apply to order " + orderSn + ": " + mine.reason());
                }
            }
            event(c, EventType.COUPON_LOCKED, asBefore(before, UserCouponStatus.UNUSED), UserCouponStatus.LOCKED,
                    orderSn, b, 0, deadline.toEpochMilli(), now);
            return new BranchResult(BranchEffect.APPLIED, UserCouponStatus.LOCKED, null, null, alone);
        });
    }

    /**
     * Compensation of lock: LOCKED by this branch (same gid and branch id) -> UNUSED; otherwise
     * (never locked, released by the expiry job, locked since by another Saga) nothing to undo.
     */
    public BranchResult unlock(BranchContext b, long couponId) {
        return inTx("unlock", b, couponId, (c, now) -> {
            UserCoupon before = UserCouponRepository.find(c, couponId, true);
            int n = update(c, "UPDATE " + T + " SET status=1, order_sn=NULL, lock_deadline=NULL, saga_gid=NULL,"
                    + " saga_branch_id=NULL WHERE id=? AND status=2 AND saga_gid=? AND saga_branch_id=?", ps -> {
                        ps.setLong(1, couponId);
                        ps.setString(2, b.gid());
                        ps.setString(3, b.branchId());
                    });
            if (n == 0) {
                return nothingToUndo("unlock", before, b);
            }
            event(c, EventType.COUPON_UNLOCKED, before, UserCouponStatus.UNUSED, before.orderSn(), b, 0, 0, now);
            return BranchResult.of(BranchEffect.APPLIED, UserCouponStatus.UNUSED);
        });
    }

    /**
     * Action: LOCKED by {@code orderSn} in this Saga (same gid) -> USED, the coupon now held by this
     * branch; writes the usage log (original, this coupon's
     * discount, final, this coupon's per-line allocation). {@code orderCouponIds} names every wallet
     * coupon the order pays with (this one included; empty = this one alone): the discount is computed
     * for them together, as CalculateDiscount does, and this coupon's share of it is recorded, so the
     * usage logs of a stacked order add up to the order's discount; final is the order's final amount.
     * The others must be the user's and locked or used by the same order in this Saga. Every coupon is
     * priced with the terms of the template version it was granted with. Refused when the coupon
     * saves nothing on this order (in this combination) or the list does not fit; with
     * {@code expectedDiscountCents} (null: none), also when this coupon's discount differs from it
     * (DISCOUNT_MISMATCH), nothing changed.
     */
    public BranchResult use(BranchContext b, long userId, long couponId, String orderSn, List<OrderLine> lines,
            long shippingFeeCents, List<Long> orderCouponIds, Long expectedDiscountCents) {
        return inTx("use", b, couponId, (c, now) -> {
            UserCoupon before = UserCouponRepository.find(c, couponId, true);
            if (before == null || before.userId() != userId || before.status() != UserCouponStatus.LOCKED
                    || !orderSn.equals(before.orderSn())) {
                return refuseAction(before, userId, orderSn, UserCouponStatus.LOCKED, now);
            }
            if (!b.gid().equals(holderGid(c, couponId))) {
                return BranchResult.refused(Refusal.OTHER_ORDER, before.status(), "coupon " + couponId
                        + " is locked for order " + orderSn + " by another Saga, not by " + b.gid());
            }
            List<Long> together = orderCouponIds.isEmpty() ? List.of(couponId) : orderCouponIds;
            if (!together.contains(couponId)) {
                return BranchResult.refused(Refusal.DOES_NOT_APPLY, before.status(),
                        "order_coupon_ids " + together + " must include coupon " + couponId);
            }
            List<CouponRule> rules = new ArrayList<>();
            for (long id : together) {
                UserCoupon coupon = id == couponId ? before : UserCouponRepository.find(c, id, false);
                if (coupon == null || coupon.userId() != userId) {
                    return BranchResult.refused(Refusal.NOT_FOUND, before.status(),
                            "coupon " + id + " of order_coupon_ids is not a coupon of user " + userId);
                }
                if (!orderSn.equals(coupon.orderSn()) || (coupon.status() != UserCouponStatus.LOCKED
                        && coupon.status() != UserCouponStatus.USED) || !b.gid().equals(holderGid(c, id))) {
                    return BranchResult.refused(Refusal.OTHER_ORDER, before.status(), "coupon " + id
                            + " of order_coupon_ids is not locked or used by order " + orderSn + " in this Saga");
                }
                Optional<Template> t = terms.find(c, coupon.templateId(), coupon.templateVersion());
                if (t.isEmpty()) {
                    return BranchResult.refused(Refusal.NOT_FOUND, before.status(), noTerms(coupon));
                }
                rules.add(t.get().couponRule(id));
            }
            DiscountResult discount;
            try {
                discount = engine.calculate(new Order(lines, shippingFeeCents), rules);
            } catch (DiscountException e) {
                return BranchResult.refused(Refusal.DOES_NOT_APPLY, before.status(), "invalid order: " + e.getMessage());
            }
            CouponDiscount mine = discount.coupons().stream().filter(d -> d.couponId() == couponId).findFirst()
                    .orElseThrow();
            if (mine.verdict() != Verdict.APPLIED) {
                return BranchResult.refused(Refusal.DOES_NOT_APPLY, before.status(),
                        "coupon " + couponId + " does not apply to order " + orderSn + ": " + mine.reason());
            }
            if (expectedDiscountCents != null && mine.discountCents() != expectedDiscountCents) {
                return BranchResult.refused(Refusal.DISCOUNT_MISMATCH, before.status(), "coupon " + couponId
                        + " takes " + mine.discountCents() + " cents off order " + orderSn + " with its granted terms"
                        + " (template " + before.templateId() + " version " + before.templateVersion()
                        + "), not the expected " + expectedDiscountCents);
            }
            int n = update(c, "UPDATE " + T + " SET status=3, used_time=?, lock_deadline=NULL, saga_branch_id=?"
                    + " WHERE id=? AND user_id=? AND status=2 AND order_sn=? AND saga_gid=?", ps -> {
                        Sql.setInstant(ps, 1, now);
                        ps.setString(2, b.branchId());
                        ps.setLong(3, couponId);
                        ps.setLong(4, userId);
                        ps.setString(5, orderSn);
                        ps.setString(6, b.gid());
                    });
            if (n == 0) {
                return refuseAction(UserCouponRepository.find(c, couponId, false), userId, orderSn,
                        UserCouponStatus.LOCKED, now);
            }
            update(c, "INSERT INTO " + Registry.TABLE_USAGE_LOGS + " (user_coupon_id, user_id, order_sn,"
                    + " original_cents, discount_cents, final_cents, allocation, used_time, gid, shipping_discount_cents)"
                    + " VALUES (?,?,?,?,?,?,?,?,?,?)", ps -> {
                        ps.setLong(1, couponId);
                        ps.setLong(2, userId);
                        ps.setString(3, orderSn);
                        ps.setLong(4, discount.originalCents());
                        ps.setLong(5, mine.discountCents());
                        ps.setLong(6, discount.finalCents());
                        ps.setString(7, allocationJson(perLine(mine, lines.size())));
                        Sql.setInstant(ps, 8, now);
                        ps.setString(9, b.gid());
                        ps.setLong(10, mine.shipping() ? mine.discountCents() : 0);
                    });
            event(c, EventType.COUPON_USED, before, UserCouponStatus.USED, orderSn, b, mine.discountCents(), 0, now);
            return new BranchResult(BranchEffect.APPLIED, UserCouponStatus.USED, null, null, discount);
        });
    }

    private static String noTerms(UserCoupon coupon) {
        return "version " + coupon.templateVersion() + " of template " + coupon.templateId() + " of coupon "
                + coupon.id() + " does not exist";
    }

    /** {@code coupon}'s share of each order line, one entry per line (0 where it carries none). */
    static List<LineAllocation> perLine(CouponDiscount coupon, int lineCount) {
        long[] shares = new long[lineCount];
        for (LineAllocation a : coupon.allocations()) {
            shares[a.lineIndex()] += a.discountCents();
        }
        List<LineAllocation> out = new ArrayList<>(lineCount);
        for (int i = 0; i < lineCount; i++) {
            out.add(new LineAllocation(i, shares[i]));
        }
        return out;
    }

    /**
     * Compensation of use: USED by this branch (same gid and branch id) -> UNUSED, the usage log of
     * this Saga kept and marked reverted; otherwise nothing to undo.
     */
    public BranchResult revert(BranchContext b, long couponId) {
        return inTx("revert", b, couponId, (c, now) -> {
            UserCoupon before = UserCouponRepository.find(c, couponId, true);
            int n = update(c, "UPDATE " + T + " SET status=1, order_sn=NULL, used_time=NULL, lock_deadline=NULL,"
                    + " saga_gid=NULL, saga_branch_id=NULL WHERE id=? AND status=3 AND saga_gid=? AND saga_branch_id=?",
                    ps -> {
                        ps.setLong(1, couponId);
                        ps.setString(2, b.gid());
                        ps.setString(3, b.branchId());
                    });
            if (n == 0) {
                return nothingToUndo("revert", before, b);
            }
            update(c, "UPDATE " + Registry.TABLE_USAGE_LOGS + " SET reverted=1, reverted_time=?"
                    + " WHERE user_coupon_id=? AND gid=? AND reverted=0", ps -> {
                        Sql.setInstant(ps, 1, now);
                        ps.setLong(2, couponId);
                        ps.setString(3, b.gid());
                    });
            event(c, EventType.COUPON_REVERTED, before, UserCouponStatus.UNUSED, before.orderSn(), b, 0, 0, now);
            return BranchResult.of(BranchEffect.APPLIED, UserCouponStatus.UNUSED);
        });
    }

    /**
     * A compensation whose payload cannot be read ({@code problem} says why, without its content):
     * it passes the barrier - so its action, should it still come, is refused - changes nothing and
     * is UNREADABLE (SUCCESS for DTM). DTM sends a Saga step's action the same payload, which was
     * refused as unreadable too; only if the barrier shows the action ran (a payload this version
     * reads differently) is there something left, which is logged as an error: a lock is released
     * at its deadline by the lock-expiry job, a use stays until an operator reverts it.
     */
    public BranchResult unreadableCompensation(String branch, BranchContext b, String problem) {
        if (!b.compensation()) {
            throw new IllegalArgumentException("only a compensation is answered UNREADABLE, not op " + b.op());
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            Barrier.Entry entry;
            try {
                entry = barrier.enter(c, b);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            if (entry == Barrier.Entry.PROCEED) {
                log.error("{} of branch {} of {}: its action ran but this payload cannot be read ({});"
                        + " nothing undone", branch, b.branchId(), b.gid(), problem);
            } else {
                log.warn("{} of branch {} of {}: payload cannot be read ({}); its action did not run, nothing to undo",
                        branch, b.branchId(), b.gid(), problem);
            }
            return unreadable(branch);
        } catch (SQLException e) {
            throw new DataAccessException(branch + " in " + b.gid() + " failed", e);
        }
    }

    /**
     * A compensation whose DTM context itself is unusable (e.g. a gid longer than the barrier holds):
     * its action had the same context and was refused, so there is nothing to undo and no barrier row
     * can be written. UNREADABLE, logged.
     */
    public BranchResult unreadableContext(String branch, String problem) {
        log.warn("{}: DTM context cannot be read ({}); its action was refused the same way, nothing to undo",
                branch, problem);
        return unreadable(branch);
    }

    private BranchResult unreadable(String branch) {
        BranchResult r = BranchResult.of(BranchEffect.UNREADABLE, null);
        outcomes.record(branch, r);
        return r;
    }

    // ------------------------------------------------------------------ plumbing

    private interface Body {
        BranchResult run(Connection c, Instant now) throws SQLException;
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private BranchResult inTx(String branch, BranchContext b, long couponId, Body body) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Instant now = clock.instant();
                BranchResult r = switch (barrier.enter(c, b)) {
                    case PROCEED -> body.run(c, now);
                    case DUPLICATE -> BranchResult.of(BranchEffect.DUPLICATE, statusOf(c, couponId));
                    case NULL_COMPENSATION -> BranchResult.of(BranchEffect.NULL_COMPENSATION, statusOf(c, couponId));
                    case LATE_ACTION -> BranchResult.refused(Refusal.LATE_ACTION, statusOf(c, couponId),
                            "branch " + b.branchId() + " of " + b.gid() + " was already compensated; the action is refused");
                };
                if (r.refused()) {
                    c.rollback();
                } else {
                    c.commit();
                }
                if (r.effect() == BranchEffect.APPLIED) {
                    onEvent.run();
                }
                outcomes.record(branch, r);
                return r;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new DataAccessException(b.op() + " of coupon " + couponId + " in " + b.gid() + " failed", e);
        }
    }

    private static int update(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        }
    }

    /** The gid of the Saga branch holding the coupon (saga_gid), null when none does. */
    private static String holderGid(Connection c, long couponId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT saga_gid FROM " + T + " WHERE id=?")) {
            ps.setLong(1, couponId);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static UserCouponStatus statusOf(Connection c, long couponId) throws SQLException {
        UserCoupon uc = UserCouponRepository.find(c, couponId, false);
        return uc == null ? null : uc.status();
    }

    /** Why an action that needed {@code needed} could not run, from the coupon as it is now. */
    static BranchResult refuseAction(UserCoupon uc, long userId, String orderSn, UserCouponStatus needed, Instant now) {
        if (uc == null) {
            return BranchResult.refused(Refusal.NOT_FOUND, null, "coupon does not exist");
        }
        long id = uc.id();
        if (uc.userId() != userId) {
            return BranchResult.refused(Refusal.NOT_OWNER, uc.status(),
                    "coupon " + id + " does not belong to user " + userId);
        }
        UserCouponStatus s = uc.status();
        if (s == UserCouponStatus.EXPIRED) {
            return BranchResult.refused(Refusal.EXPIRED, s, "coupon " + id + " has expired");
        }
        if (needed == UserCouponStatus.UNUSED) {
            if (s == UserCouponStatus.UNUSED && now.isBefore(uc.validStart())) {
                return BranchResult.refused(Refusal.EXPIRED, s, "coupon " + id + " is not valid before " + uc.validStart());
            }
            if (s == UserCouponStatus.UNUSED && !now.isBefore(uc.validEnd())) {
                return BranchResult.refused(Refusal.EXPIRED, s, "coupon " + id + " expired at " + uc.validEnd());
            }
            if (s == UserCouponStatus.LOCKED) {
                return BranchResult.refused(Refusal.WRONG_STATUS, s, orderSn.equals(uc.orderSn())
                        ? "coupon " + id + " is already locked by order " + orderSn
                        : "coupon " + id + " is locked by another order");
            }
            return BranchResult.refused(Refusal.WRONG_STATUS, s, "coupon " + id + " is " + s + ", not UNUSED");
        }
        // needed LOCKED by orderSn
        if (s == UserCouponStatus.LOCKED) {
            return BranchResult.refused(Refusal.OTHER_ORDER, s,
                    "coupon " + id + " is locked by another order, not by order " + orderSn);
        }
        if (s == UserCouponStatus.USED) {
            return BranchResult.refused(Refusal.WRONG_STATUS, s, orderSn.equals(uc.orderSn())
                    ? "coupon " + id + " was already used by order " + orderSn
                    : "coupon " + id + " was already used by another order");
        }
        return BranchResult.refused(Refusal.OTHER_ORDER, s,
                "coupon " + id + " is not locked by order " + orderSn + " (it is " + s + ")");
    }

    private static BranchResult nothingToUndo(String what, UserCoupon uc, BranchContext b) {
        log.info("{} of coupon {} by branch {} of {}: nothing to undo (coupon is {})", what,
                uc == null ? "?" : uc.id(), b.branchId(), b.gid(),
                uc == null ? "absent" : uc.status() + " order " + uc.orderSn());
        return BranchResult.of(BranchEffect.NOTHING_TO_UNDO, uc == null ? null : uc.status());
    }

    private void event(Connection c, EventType type, UserCoupon before, UserCouponStatus to, String orderSn,
            BranchContext b, long discountCents, long deadlineMs, Instant now) throws SQLException {
        LifecycleEvents.append(c, new LifecycleEvents.Change(type, before, to, orderSn, b.gid(), b.branchId(), b.op(),
                b.compensation() ? LifecycleEvents.SAGA_COMPENSATION : LifecycleEvents.SAGA_ACTION, discountCents,
                deadlineMs), now.toEpochMilli());
    }

    /** The row as it was before an UPDATE that we know moved it out of {@code status}. */
    private static UserCoupon asBefore(UserCoupon after, UserCouponStatus status) {
        return new UserCoupon(after.id(), after.couponSn(), after.templateId(), after.templateVersion(), after.activityId(), after.seq(),
                after.userId(), status, after.obtainedAt(), after.grantedAtMs(), after.validStart(), after.validEnd(),
                null, null, null);
    }

    static String allocationJson(List<LineAllocation> lines) {
        List<Map<String, Long>> out = lines.stream().map(l -> {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("line_index", (long) l.lineIndex());
            m.put("discount_cents", l.discountCents());
            return m;
        }).toList();
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
