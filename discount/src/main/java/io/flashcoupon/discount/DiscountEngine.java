package io.flashcoupon.discount;

import io.flashcoupon.discount.DiscountException.Problem;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The discount engine: pure computation over an {@link Order} and {@link CouponRule}s, no I/O,
 * thread-safe (each call builds its own scratch state). docs/discounts.md states the rules:
 * money in cents, percentages rounded half up, thresholds on the eligible subtotal before any
 * discount, application order FULL_CUT (larger first) -> PERCENT_OFF -> FREE_SHIPPING, stacking
 * table in {@link StackingClass}, exact allocation over lines, exact best combination.
 *
 * <p>Malformed input and forbidden combinations throw {@link DiscountException}; a coupon that
 * saves nothing on this order is a value (a {@link Verdict} and a reason), not an error.
 */
public final class DiscountEngine {
    /** Coupons one order may carry when nothing else is configured. */
    public static final int DEFAULT_MAX_STACK_COUNT = 5;
    /** The largest max stack count: every allowed application order of a stack is tried (at most 6! = 720). */
    public static final int MAX_MAX_STACK_COUNT = 6;
    /** Usable coupons up to which the search is measured to prove its answer within the budget. */
    public static final int PROVEN_WALLET_SIZE = 50;
    /**
     * CPU time allowed to one best-combination search. DiscountSearchBench measures wallets of up to
     * {@link #PROVEN_WALLET_SIZE} usable coupons, adversarial ones included, all proven well inside it
     * (docs/performance.md); it bounds what a 500-coupon wallet can cost.
     */
    public static final Duration DEFAULT_SEARCH_BUDGET = Duration.ofMillis(200);

    private final int maxStackCount;
    private final long budgetNanos;
    private final LongSupplier ticker;

    /** Max stack 5, search budget 200 ms of the calling thread's CPU time. */
    public DiscountEngine() {
        this(DEFAULT_MAX_STACK_COUNT);
    }

    public DiscountEngine(int maxStackCount) {
        this(maxStackCount, DEFAULT_SEARCH_BUDGET, threadCpuTicker());
    }

    /**
     * @param searchBudget time one best-combination search may take, measured by {@code ticker}
     * @param ticker nanoseconds, monotonic within a call (e.g. the thread's CPU time, or a fake in tests)
     */
    public DiscountEngine(int maxStackCount, Duration searchBudget, LongSupplier ticker) {
        if (maxStackCount < 1 || maxStackCount > MAX_MAX_STACK_COUNT) {
            throw new DiscountException(Problem.INVALID_SETTING, "max stack count must be between 1 and "
                    + MAX_MAX_STACK_COUNT + ", was " + maxStackCount);
        }
        if (searchBudget == null || searchBudget.isNegative() || searchBudget.isZero()) {
            throw new DiscountException(Problem.INVALID_SETTING, "search budget must be positive, was " + searchBudget);
        }
        this.maxStackCount = maxStackCount;
        this.budgetNanos = searchBudget.toNanos();
        this.ticker = java.util.Objects.requireNonNull(ticker, "ticker");
    }

    /** The calling thread's CPU time (wall time where the JVM cannot measure it). */
    public static LongSupplier threadCpuTicker() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (mx.isCurrentThreadCpuTimeSupported()) {
            return mx::getCurrentThreadCpuTime;
        }
        return System::nanoTime;
    }

    public int maxStackCount() {
        return maxStackCount;
    }

    /**
     * Applies exactly these coupons to the order. Refuses duplicate ids, more coupons than the max
     * stack count and combinations the stacking table forbids.
     */
    public DiscountResult calculate(Order order, List<CouponRule> coupons) {
        requireDistinct(coupons, "coupon");
        requireStackable(coupons);
        Evaluator ev = new Evaluator(order, List.copyOf(coupons));
        int[] all = new int[coupons.size()];
        Arrays.setAll(all, i -> i);
        return result(ev, all);
    }

    /**
     * For each wallet coupon (in wallet order): usable on this order on its own or not, why, and
     * what it saves alone. Coupons ruled out elsewhere (expired, locked) are the caller's to report
     * and are not passed here.
     */
    public List<Availability> availability(Order order, List<CouponRule> wallet) {
        requireUniqueInWallet(wallet);
        Evaluator ev = new Evaluator(order, List.copyOf(wallet));
        List<Availability> out = new ArrayList<>(wallet.size());
        int[] one = new int[1];
        String[] reason = new String[1];
        for (int i = 0; i < wallet.size(); i++) {
            one[0] = i;
            long d = ev.evaluate(one, 1, null, reason);
            Verdict v = ev.verdict[0];
            out.add(new Availability(wallet.get(i).couponId(), v == Verdict.APPLIED, d, v, reason[0]));
        }
        return out;
    }

    /**
     * The combination of wallet coupons that saves the most: exact (branch and bound, not greedy),
     * ties broken by fewer coupons, then the lexicographically smallest sorted id list. Pass only
     * coupons the user may spend now (unused, valid, not locked).
     */
    public BestCombination bestCombination(Order order, List<CouponRule> wallet) {
        requireUniqueInWallet(wallet);
        long started = ticker.getAsLong();
        List<CouponRule> rules = List.copyOf(wallet);
        Evaluator ev = new Evaluator(order, rules);
        long[] standalone = new long[rules.size()];
        int[] one = new int[1];
        int usable = 0;
        for (int i = 0; i < rules.size(); i++) {
            one[0] = i;
            standalone[i] = ev.evaluate(one, 1, null, null);
            usable += standalone[i] > 0 ? 1 : 0;
        }
        BestCombinationSearch search = new BestCombinationSearch(ev, standalone, maxStackCount,
                started + budgetNanos, ticker);
        int[] best = search.run();
        List<CouponRule> chosen = new ArrayList<>(best.length);
        for (int i : best) {
            chosen.add(rules.get(i));
        }
        chosen.sort((a, b) -> Long.compare(a.couponId(), b.couponId()));
        List<Long> ids = chosen.stream().map(CouponRule::couponId).toList();
        String why = search.proven() ? "" : "search stopped after its budget of " + budgetNanos / 1_000_000
                + " ms with " + usable + " usable coupons" + (usable > PROVEN_WALLET_SIZE
                        ? " (more than the " + PROVEN_WALLET_SIZE + " it is measured to prove within it)" : "")
                + "; the best combination found so far is returned, a better one may exist";
        return new BestCombination(ids, calculate(order, chosen), search.proven(), why, search.nodes + rules.size());
    }

    private static DiscountResult result(Evaluator ev, int[] chosen) {
        int k = chosen.length;
        long[][] alloc = new long[k][ev.lineCount];
        String[] reasons = new String[k];
        long total = ev.evaluate(chosen, k, alloc, reasons);
        List<CouponDiscount> coupons = new ArrayList<>(k);
        long[] perLine = new long[ev.lineCount];
        for (int p = 0; p < k; p++) {
            CouponRule r = ev.rules.get(ev.appliedAt(p));
            List<LineAllocation> lines = new ArrayList<>();
            for (int l = 0; l < ev.lineCount; l++) {
                if (alloc[p][l] != 0) {
                    lines.add(new LineAllocation(l, alloc[p][l]));
                    perLine[l] += alloc[p][l];
                }
            }
            coupons.add(new CouponDiscount(r.couponId(), ev.discount[p], r.discountsShipping(), ev.verdict[p],
                    reasons[p], lines));
        }
        List<LineAllocation> lines = new ArrayList<>(ev.lineCount);
        for (int l = 0; l < ev.lineCount; l++) {
            lines.add(new LineAllocation(l, perLine[l]));
        }
        long original = ev.goodsTotal + ev.shippingFee;
        return new DiscountResult(original, ev.goodsTotal, ev.shippingFee, total, ev.goodsDiscount,
                ev.shippingDiscount, original - total, coupons, lines);
    }

    private static void requireUniqueInWallet(List<CouponRule> wallet) {
        Set<Long> ids = new HashSet<>();
        for (CouponRule r : wallet) {
            if (!ids.add(r.couponId())) {
                throw new DiscountException(Problem.DUPLICATE_COUPON,
                        "coupon " + r.couponId() + " appears twice in the wallet");
            }
        }
    }

    private static void requireDistinct(List<CouponRule> coupons, String what) {
        Set<Long> ids = new HashSet<>();
        for (CouponRule r : coupons) {
            if (!ids.add(r.couponId())) {
                throw new DiscountException(Problem.DUPLICATE_COUPON, what + " " + r.couponId() + " is listed twice");
            }
        }
    }

    private void requireStackable(List<CouponRule> coupons) {
        if (coupons.size() > maxStackCount) {
            throw new DiscountException(Problem.TOO_MANY_COUPONS,
                    coupons.size() + " coupons exceed the limit of " + maxStackCount + " per order");
        }
        Map<StackingClass, List<Long>> byClass = new HashMap<>();
        Map<Long, List<Long>> byTemplate = new HashMap<>();
        for (CouponRule r : coupons) {
            byClass.computeIfAbsent(r.stackingClass(), c -> new ArrayList<>()).add(r.couponId());
            if (r.stacking().templateId() != 0) {
                byTemplate.computeIfAbsent(r.stacking().templateId(), t -> new ArrayList<>()).add(r.couponId());
            }
        }
        for (StackingClass c : StackingClass.values()) {
            List<Long> ids = byClass.getOrDefault(c, List.of());
            int limit = c.limit(maxStackCount);
            if (ids.size() > limit) {
                throw new DiscountException(Problem.NOT_COMBINABLE, "at most " + limit + " " + c
                        + " coupon" + (limit == 1 ? "" : "s") + " per order, got coupons " + ids);
            }
        }
        for (CouponRule r : coupons) {
            List<Long> same = byTemplate.getOrDefault(r.stacking().templateId(), List.of());
            int limit = r.stacking().maxPerOrder();
            if (same.size() > limit) {
                throw new DiscountException(Problem.NOT_COMBINABLE, "at most " + limit + " coupon"
                        + (limit == 1 ? "" : "s") + " of template " + r.stacking().templateId()
                        + " per order, got coupons " + same);
            }
        }
        for (int a = 0; a < coupons.size(); a++) {
            for (int b = a + 1; b < coupons.size(); b++) {
                CouponRule x = coupons.get(a);
                CouponRule y = coupons.get(b);
                if (!x.combinesWith(y)) {
                    CouponRule culprit = x.stacking().exclusive() ? x : y.stacking().exclusive() ? y : null;
                    throw new DiscountException(Problem.NOT_COMBINABLE, culprit != null
                            ? "coupon " + culprit.couponId() + " is exclusive: it cannot be combined with coupon "
                                    + (culprit == x ? y : x).couponId()
                            : "coupon " + x.couponId() + " (" + x.stackingClass() + ") does not combine with coupon "
                                    + y.couponId() + " (" + y.stackingClass() + ")");
                }
            }
        }
    }
}
