package io.flashcoupon.discount;

import java.math.BigInteger;
import java.util.Comparator;
import java.util.List;

/**
 * Applies a subset of one wallet's coupons to one order: the single implementation of the discount
 * rules, used by calculate, availability and the best-combination search alike (so the search's
 * figures are calculate's figures). Not thread-safe: it owns scratch arrays so the search can
 * evaluate millions of subsets without allocating.
 *
 * <p>Rules, in phases (amount-off first, then percentages on what remains, then shipping); within
 * the full-cut phase and within the percentage phase the order that saves the most is used (a
 * branch and bound over orders, canonical rank order first, the first best order on a tie):
 * <ol>
 *   <li>FULL_CUT coupons (canonically larger amount first): min(amount, what remains of the eligible lines).
 *   <li>PERCENT_OFF coupons (canonically larger rate first): rate x what remains of the eligible
 *       lines, rounded half up to the cent (never above what remains since rate &lt;= 100%).
 *   <li>FREE_SHIPPING coupons, larger cap first (no cap = largest): what remains of the fee.
 * </ol>
 * Every discount is also limited so the order still costs the highest floor (min payable) of the
 * applied coupons. Canonical rank, equal type and amount/rate/cap: the narrower coupon (smaller eligible subtotal) first, then the
 * larger cap, the higher threshold, the canonical terms string, and only then the coupon id. The
 * order thus depends on the terms, never on ids, except between coupons with identical terms -
 * which is what makes such coupons interchangeable (the search relies on it).
 * Every coupon first needs an eligible line and its threshold met by the eligible subtotal BEFORE
 * any discount. Any type is capped by maxDiscountCents after rounding. A goods discount is spread
 * over the coupon's eligible lines in proportion to what remains of each (largest remainder
 * method, ties to the line first in canonical line order), so no line ever goes below zero.
 */
final class Evaluator {
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    final List<CouponRule> rules;
    final long goodsTotal;
    final long shippingFee;
    final int lineCount;
    private final long[] lineAmounts;
    private final int[][] eligible;
    private final long[] eligibleSubtotal;
    private final int[] applicationRank;

    private final long[] remaining;
    private final long[] share;
    private final long[] rem;
    private final int[] active;
    private final int[] cand;
    private final int[] sortTmp;
    private int[] applied = new int[8];
    private int[] canon = new int[8];
    private int[] bestOrder = new int[8];
    private final int[] termsId;

    /** Outputs of the last {@link #evaluate}: per position in application order. */
    long[] discount = new long[8];
    Verdict[] verdict = new Verdict[8];
    long goodsDiscount;
    long shippingDiscount;

    Evaluator(Order order, List<CouponRule> rules) {
        this.rules = rules;
        List<OrderLine> lines = order.lines();
        lineCount = lines.size();
        lineAmounts = new long[lineCount];
        long goods = 0;
        for (int l = 0; l < lineCount; l++) {
            lineAmounts[l] = lines.get(l).amountCents();
            goods += lineAmounts[l];
        }
        goodsTotal = goods;
        shippingFee = order.shippingFeeCents();
        int n = rules.size();
        eligible = new int[n][];
        eligibleSubtotal = new long[n];
        // Lines are visited in a canonical order (goods, category, price, quantity), so that leftover
        // cents go to the same line whatever the order's line order: identical lines are interchangeable.
        Integer[] byLine = new Integer[lineCount];
        for (int l = 0; l < lineCount; l++) {
            byLine[l] = l;
        }
        java.util.Arrays.sort(byLine, Comparator.comparingLong((Integer l) -> lines.get(l).goodsId())
                .thenComparingLong(l -> lines.get(l).categoryId())
                .thenComparingLong(l -> lines.get(l).unitPriceCents())
                .thenComparingInt(l -> lines.get(l).quantity())
                .thenComparingInt(l -> l));
        int[] buf = new int[lineCount];
        for (int i = 0; i < n; i++) {
            CouponRule r = rules.get(i);
            int c = 0;
            long sum = 0;
            for (int ll = 0; ll < lineCount; ll++) {
                int l = byLine[ll];
                if (r.covers(lines.get(l))) {
                    buf[c++] = l;
                    sum += lineAmounts[l];
                }
            }
            eligible[i] = java.util.Arrays.copyOf(buf, c);
            eligibleSubtotal[i] = sum;
        }
        Integer[] byApplication = new Integer[n];
        String[] canonical = new String[n];
        for (int i = 0; i < n; i++) {
            byApplication[i] = i;
            canonical[i] = rules.get(i).canonicalTerms();
        }
        java.util.Arrays.sort(byApplication, Comparator
                .comparingInt((Integer i) -> typeRank(rules.get(i).type()))
                .thenComparing((Integer i) -> nominal(rules.get(i)), Comparator.reverseOrder())
                .thenComparingLong((Integer i) -> eligibleSubtotal[i])
                .thenComparing((Integer i) -> capOrMax(rules.get(i)), Comparator.reverseOrder())
                .thenComparing((Integer i) -> rules.get(i).minAmountCents(), Comparator.reverseOrder())
                .thenComparing((Integer i) -> canonical[i])
                .thenComparingLong((Integer i) -> rules.get(i).couponId()));
        applicationRank = new int[n];
        for (int p = 0; p < n; p++) {
            applicationRank[byApplication[p]] = p;
        }
        termsId = new int[n];
        java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            termsId[i] = ids.computeIfAbsent(canonical[i], x -> ids.size());
        }
        remaining = new long[lineCount];
        share = new long[lineCount];
        rem = new long[lineCount];
        active = new int[lineCount];
        cand = new int[lineCount];
        sortTmp = new int[lineCount];
    }

    private static int typeRank(CouponType t) {
        return switch (t) {
            case FULL_CUT -> 0;
            case PERCENT_OFF -> 1;
            case FREE_SHIPPING -> 2;
        };
    }

    private static long nominal(CouponRule r) {
        return switch (r.type()) {
            case FULL_CUT -> r.discountAmountCents();
            case PERCENT_OFF -> r.discountBps();
            case FREE_SHIPPING -> capOrMax(r);
        };
    }

    private static long capOrMax(CouponRule r) {
        return r.maxDiscountCents() == null ? Long.MAX_VALUE : r.maxDiscountCents();
    }

    int[] eligibleLines(int coupon) {
        return eligible[coupon];
    }

    long lineAmount(int line) {
        return lineAmounts[line];
    }

    long eligibleSubtotal(int coupon) {
        return eligibleSubtotal[coupon];
    }

    /** The coupon index applied at position {@code pos} of the last evaluation. */
    int appliedAt(int pos) {
        return applied[pos];
    }

    /**
     * Applies coupons {@code chosen[0..k)} (indices into {@link #rules}, any order) and returns the
     * total discount: the best over the allowed application orders (types in phase order, any order
     * within the full-cut phase and within the percentage phase), the first such order in
     * lexicographic order of the canonical ranks on a tie. When {@code alloc} is not null,
     * {@code alloc[pos][line]} receives the goods discount of the coupon applied at {@code pos}; when
     * {@code reasons} is not null it receives the explanation of each position.
     */
    long evaluate(int[] chosen, int k, long[][] alloc, String[] reasons) {
        return evaluate(chosen, k, alloc, reasons, Long.MIN_VALUE);
    }

    /**
     * As {@link #evaluate(int[], int, long[][], String[])} for a caller that only cares about values
     * of at least {@code atLeast} (the search against its incumbent): a smaller value may come back
     * as any value below {@code atLeast}, which lets the order search cut more. Not for results.
     */
    long evaluate(int[] chosen, int k, long[][] alloc, String[] reasons, long atLeast) {
        if (applied.length < k) {
            applied = new int[k];
            discount = new long[k];
            verdict = new Verdict[k];
            canon = new int[k];
            bestOrder = new int[k];
        }
        int nf = 0;
        int np = 0;
        long floor = 0;
        for (int p = 0; p < k; p++) {
            int c = chosen[p];
            int q = p;
            while (q > 0 && applicationRank[canon[q - 1]] > applicationRank[c]) {
                canon[q] = canon[q - 1];
                q--;
            }
            canon[q] = c;
            CouponType t = rules.get(c).type();
            nf += t == CouponType.FULL_CUT ? 1 : 0;
            np += t == CouponType.PERCENT_OFF ? 1 : 0;
            floor = Math.max(floor, rules.get(c).stacking().minPayableCents());
        }
        long headroom = Math.max(0, goodsTotal + shippingFee - floor);
        if (nf <= 1 && np <= 1) {
            return run(canon, k, headroom, floor, alloc, reasons);
        }
        if (atLeast != Long.MIN_VALUE) {
            // the search only needs values of at least atLeast: skip the stack when no order can reach it
            long cheap = upperBound(canon, k, headroom);
            if (cheap < atLeast || flowBound(canon, k, headroom) < atLeast) {
                return Math.min(cheap, atLeast - 1);
            }
        }
        long best = run(canon, k, headroom, floor, alloc, reasons);
        long upper = upperBound(canon, k, headroom);
        if (best >= upper || upper < atLeast) {
            return best;
        }
        upper = Math.min(upper, flowBound(canon, k, headroom));
        if (best >= upper || upper < atLeast) {
            return best;
        }
        // Branch and bound over the allowed orders, in lexicographic order of rank (canonical first):
        // a prefix whose value plus what the unused coupons can add at most does not beat the best
        // order so far is cut; only a strictly better order replaces it, so ties keep the first.
        orderBest = atLeast == Long.MIN_VALUE ? best : Math.max(best, atLeast - 1);
        orderFound = false;
        orderK = k;
        orderNf = nf;
        orderNp = np;
        orderHeadroom = headroom;
        if (snap.length < k + 1 || snap[0].length < lineCount) {
            snap = new long[k + 1][lineCount];
            work = new int[k];
            used = new boolean[k];
            alone = new long[k];
        }
        long restGoods = 0;
        long shipUpper = 0;
        for (int p = 0; p < k; p++) {
            used[p] = false;
            alone[p] = aloneValue(canon[p]);
            if (rules.get(canon[p]).discountsShipping()) {
                shipUpper += alone[p];
            } else {
                restGoods += alone[p];
            }
        }
        orderShipUpper = Math.min(shipUpper, shippingFee);
        if (lineStamp.length < lineCount) {
            lineStamp = new int[lineCount];
        }
        System.arraycopy(lineAmounts, 0, remaining, 0, lineCount);
        orderSearch(0, 0, goodsTotal, restGoods, headroom);
        if (orderFound) {
            return run(bestOrder, k, headroom, floor, alloc, reasons);
        }
        // outputs must describe the canonical order again (the order search overwrote the scratch)
        return run(canon, k, headroom, floor, alloc, reasons);
    }

    private long orderBest;
    private boolean orderFound;
    private int orderK;
    private int orderNf;
    private int orderNp;
    private long orderHeadroom;
    private long orderShipUpper;
    private long[][] snap = new long[0][0];
    private int[] work = new int[0];
    private boolean[] used = new boolean[0];
    private long[] alone = new long[0];
    private int[] lineStamp = new int[0];

    /**
     * Places a coupon at {@code depth}: full-cuts fill [0, nf), percentages [nf, nf+np), then the
     * shipping coupons follow in canonical order. {@code goodsLeft} is what remains of all lines.
     */
    private void orderSearch(int depth, long goods, long goodsLeft, long restGoods, long room) {
        int goodsEnd = orderNf + orderNp;
        if (depth == goodsEnd) {
            long total = goods;
            long shipLeft = shippingFee;
            for (int p = goodsEnd; p < orderK; p++) {
                int i = canon[p];
                CouponRule r = rules.get(i);
                if (eligible[i].length == 0 || eligibleSubtotal[i] < r.minAmountCents()) {
                    continue;
                }
                long d = Math.min(capped(r, shipLeft), room);
                shipLeft -= d;
                room -= d;
                total += d;
            }
            if (total > orderBest) {
                orderBest = total;
                orderFound = true;
                System.arraycopy(work, 0, bestOrder, 0, depth);
                System.arraycopy(canon, goodsEnd, bestOrder, goodsEnd, orderK - goodsEnd);
            }
            return;
        }
        int from = depth < orderNf ? 0 : orderNf;
        int to = depth < orderNf ? orderNf : goodsEnd;
        for (int q = from; q < to; q++) {
            if (used[q] || earlierTwinUnused(q, from)) {
                continue;
            }
            int i = canon[q];
            long rest = restGoods - alone[q];
            System.arraycopy(remaining, 0, snap[depth], 0, lineCount);
            long d = applyGoods(i, room);
            used[q] = true;
            long bound = Math.min(orderHeadroom,
                    goods + d + Math.min(goodsLeft - d, unplacedCanTake(goodsEnd)) + orderShipUpper);
            used[q] = false;
            if (bound > orderBest) {
                used[q] = true;
                work[depth] = i;
                orderSearch(depth + 1, goods + d, goodsLeft - d, rest, room - d);
                used[q] = false;
            }
            System.arraycopy(snap[depth], 0, remaining, 0, lineCount);
        }
    }

    /**
     * At most what the unplaced goods coupons can still take: each at most its stand-alone value and
     * what remains of its own lines now (the lines only lose more before it applies), all of them
     * together at most what remains of the union of their lines.
     */
    private long unplacedCanTake(int goodsEnd) {
        long sum = 0;
        long union = 0;
        int mark = ++unionStamp;
        for (int p = 0; p < goodsEnd; p++) {
            if (used[p]) {
                continue;
            }
            long own = 0;
            for (int l : eligible[canon[p]]) {
                own += remaining[l];
                if (lineStamp[l] != mark) {
                    lineStamp[l] = mark;
                    union += remaining[l];
                }
            }
            sum += Math.min(alone[p], own);
        }
        return Math.min(sum, union);
    }

    private int unionStamp;

    /** An identical coupon of lower rank is still unplaced: placing q first would repeat an order. */
    private boolean earlierTwinUnused(int q, int from) {
        for (int o = from; o < q; o++) {
            if (!used[o] && termsId[canon[o]] == termsId[canon[q]]) {
                return true;
            }
        }
        return false;
    }

    /** What coupon i saves alone (threshold, cap, amount or percentage of its eligible subtotal). */
    private long aloneValue(int i) {
        CouponRule r = rules.get(i);
        if (eligible[i].length == 0 || eligibleSubtotal[i] < r.minAmountCents()) {
            return 0;
        }
        if (r.discountsShipping()) {
            return capped(r, shippingFee);
        }
        long raw = r.type() == CouponType.FULL_CUT
                ? Math.min(r.discountAmountCents(), eligibleSubtotal[i])
                : percentHalfUp(eligibleSubtotal[i], r.discountBps());
        return capped(r, raw);
    }

    /** Applies goods coupon i to {@link #remaining} (no outputs) and returns its discount. */
    private long applyGoods(int i, long room) {
        CouponRule r = rules.get(i);
        if (eligible[i].length == 0 || eligibleSubtotal[i] < r.minAmountCents()) {
            return 0;
        }
        long base = 0;
        int[] el = eligible[i];
        for (int l : el) {
            base += remaining[l];
        }
        long raw = r.type() == CouponType.FULL_CUT
                ? Math.min(r.discountAmountCents(), base)
                : percentHalfUp(base, r.discountBps());
        long d = Math.min(capped(r, raw), room);
        allocate(d, el, base, null);
        return d;
    }

    /** What no application order can beat: each coupon at most its stand-alone value, goods at most the goods total. */
    private long upperBound(int[] set, int k, long headroom) {
        long goods = 0;
        long ship = 0;
        long union = 0;
        if (lineStamp.length < lineCount) {
            lineStamp = new int[lineCount];
        }
        int mark = ++unionStamp;
        for (int p = 0; p < k; p++) {
            long v = aloneValue(set[p]);
            if (rules.get(set[p]).discountsShipping()) {
                ship += v;
            } else {
                goods += v;
                if (v > 0) {
                    for (int l : eligible[set[p]]) {
                        if (lineStamp[l] != mark) {
                            lineStamp[l] = mark;
                            union += lineAmounts[l];
                        }
                    }
                }
            }
        }
        return Math.min(headroom, Math.min(goods, union) + Math.min(ship, shippingFee));
    }

    /**
     * A tighter bound for any order: the goods coupons' discounts form a flow from the coupons (each
     * at most its stand-alone value) to the lines it covers (each at most its amount), so their total
     * is at most the max flow, which is the min cut: min over coupon subsets X of the stand-alone
     * values outside X plus the amount of the lines X covers. Lines are folded into atoms (the set
     * of coupons covering them); at most 6 goods coupons, so 64 subsets.
     */
    private long flowBound(int[] set, int k, long headroom) {
        int g = 0;
        long ship = 0;
        for (int p = 0; p < k; p++) {
            if (rules.get(set[p]).discountsShipping()) {
                ship += aloneValue(set[p]);
            } else {
                flowCoupon[g++] = set[p];
            }
        }
        int subsets = 1 << g;
        java.util.Arrays.fill(atom, 0, subsets, 0);
        if (lineMask.length < lineCount) {
            lineMask = new int[lineCount];
        }
        for (int l = 0; l < lineCount; l++) {
            lineMask[l] = 0;
        }
        for (int c = 0; c < g; c++) {
            for (int l : eligible[flowCoupon[c]]) {
                lineMask[l] |= 1 << c;
            }
        }
        long covered = 0;
        for (int l = 0; l < lineCount; l++) {
            if (lineMask[l] != 0) {
                atom[lineMask[l]] += lineAmounts[l];
                covered += lineAmounts[l];
            }
        }
        // atom[m] becomes the amount of the lines whose covering set is inside m (subset sums)
        for (int b = 0; b < g; b++) {
            for (int m = 0; m < subsets; m++) {
                if ((m & (1 << b)) != 0) {
                    atom[m] += atom[m ^ (1 << b)];
                }
            }
        }
        long best = Long.MAX_VALUE;
        int all = subsets - 1;
        for (int x = 0; x < subsets; x++) {
            long cut = covered - atom[all & ~x];
            for (int c = 0; c < g; c++) {
                if ((x & (1 << c)) == 0) {
                    cut += aloneValue(flowCoupon[c]);
                }
            }
            best = Math.min(best, cut);
        }
        return Math.min(headroom, best + Math.min(ship, shippingFee));
    }

    private final int[] flowCoupon = new int[DiscountEngine.MAX_MAX_STACK_COUNT];
    private final long[] atom = new long[1 << DiscountEngine.MAX_MAX_STACK_COUNT];
    private int[] lineMask = new int[0];

    /** Applies the coupons in exactly the order {@code order[0..k)}. */
    private long run(int[] order, int k, long headroom, long floor, long[][] alloc, String[] reasons) {
        if (order != applied) {
            System.arraycopy(order, 0, applied, 0, k);
        }
        if (alloc != null) {
            for (int p = 0; p < k; p++) {
                java.util.Arrays.fill(alloc[p], 0);
            }
        }
        System.arraycopy(lineAmounts, 0, remaining, 0, lineCount);
        long shippingLeft = shippingFee;
        long goods = 0;
        long room = headroom;
        for (int p = 0; p < k; p++) {
            int i = applied[p];
            CouponRule r = rules.get(i);
            long d = 0;
            Verdict v;
            String why = null;
            if (eligible[i].length == 0) {
                v = Verdict.NO_ELIGIBLE_GOODS;
                if (reasons != null) {
                    why = "no eligible goods";
                }
            } else if (eligibleSubtotal[i] < r.minAmountCents()) {
                v = Verdict.THRESHOLD_NOT_REACHED;
                if (reasons != null) {
                    why = "threshold " + r.minAmountCents() + " not reached by "
                            + (r.minAmountCents() - eligibleSubtotal[i]) + " cents";
                }
            } else if (r.discountsShipping()) {
                long base = shippingLeft;
                long full = capped(r, base);
                d = Math.min(full, room);
                shippingLeft -= d;
                v = d > 0 ? Verdict.APPLIED : Verdict.NOTHING_TO_DISCOUNT;
                if (reasons != null) {
                    why = floorNote(shippingReason(r, base, full), full, d, floor);
                }
            } else {
                long base = 0;
                int[] el = eligible[i];
                for (int l : el) {
                    base += remaining[l];
                }
                long raw = r.type() == CouponType.FULL_CUT
                        ? Math.min(r.discountAmountCents(), base)
                        : percentHalfUp(base, r.discountBps());
                long full = capped(r, raw);
                d = Math.min(full, room);
                allocate(d, el, base, alloc == null ? null : alloc[p]);
                goods += d;
                v = d > 0 ? Verdict.APPLIED : Verdict.NOTHING_TO_DISCOUNT;
                if (reasons != null) {
                    why = floorNote(goodsReason(r, base, raw, full), full, d, floor);
                }
            }
            room -= d;
            discount[p] = d;
            verdict[p] = v;
            if (reasons != null) {
                reasons[p] = why;
            }
        }
        goodsDiscount = goods;
        shippingDiscount = shippingFee - shippingLeft;
        return goods + shippingDiscount;
    }

    private static String floorNote(String why, long full, long d, long floor) {
        if (d == full) {
            return why;
        }
        if (d == 0) {
            return "the order is already at its minimum payable of " + floor + " cents";
        }
        return why + ", limited to " + d + " by the order's minimum payable of " + floor + " cents";
    }

    private static long capped(CouponRule r, long amount) {
        Long cap = r.maxDiscountCents();
        return cap != null && cap < amount ? cap : amount;
    }

    /** round_half_up(x * bps / 10000) without overflow; never above x when bps <= 10000. */
    static long percentHalfUp(long x, int bps) {
        long q = x / 10_000;
        long r = x % 10_000;
        return q * bps + (r * bps + 5_000) / 10_000;
    }

    /**
     * Spreads {@code d <= total} over the lines {@code el} in proportion to what remains of each
     * ({@code total} = their sum): each line gets floor(d * w / total), and the cents left go one each
     * to the lines with the largest remainders, ties to the line first in canonical line order. A line gets at most what
     * remains of it: a line that receives an extra cent had a non-zero remainder, so its floor share
     * was below its remaining amount.
     */
    private void allocate(long d, int[] el, long total, long[] row) {
        if (d == 0) {
            return;
        }
        if (d == total) {
            for (int l : el) {
                if (row != null) {
                    row[l] += remaining[l];
                }
                remaining[l] = 0;
            }
            return;
        }
        int na = 0;
        int nc = 0;
        long given = 0;
        for (int l : el) {
            long w = remaining[l];
            if (w == 0) {
                continue;
            }
            active[na++] = l;
            long hi = Math.multiplyHigh(d, w);
            long lo = d * w;
            long q;
            long r;
            if (hi == 0 && lo >= 0) {
                q = lo / total;
                r = lo % total;
            } else {
                BigInteger[] qr = BigInteger.valueOf(d).multiply(BigInteger.valueOf(w))
                        .divideAndRemainder(BigInteger.valueOf(total));
                assert qr[0].compareTo(LONG_MAX) <= 0;
                q = qr[0].longValue();
                r = qr[1].longValue();
            }
            share[l] = q;
            rem[l] = r;
            given += q;
            if (r > 0) {
                cand[nc++] = l;
            }
        }
        long left = d - given;
        if (left > 0) {
            sortByRemainderDesc(nc);
            for (int t = 0; t < left; t++) {
                share[cand[t]]++;
            }
        }
        for (int a = 0; a < na; a++) {
            int l = active[a];
            remaining[l] -= share[l];
            if (row != null) {
                row[l] += share[l];
            }
        }
    }

    /** Stable sort of cand[0..n) by rem descending; cand is in canonical line order on entry. */
    private void sortByRemainderDesc(int n) {
        if (n < 24) {
            for (int i = 1; i < n; i++) {
                int x = cand[i];
                int j = i - 1;
                while (j >= 0 && rem[cand[j]] < rem[x]) {
                    cand[j + 1] = cand[j];
                    j--;
                }
                cand[j + 1] = x;
            }
            return;
        }
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                int a = lo;
                int b = mid;
                int o = lo;
                while (a < mid && b < hi) {
                    sortTmp[o++] = rem[cand[b]] > rem[cand[a]] ? cand[b++] : cand[a++];
                }
                while (a < mid) {
                    sortTmp[o++] = cand[a++];
                }
                while (b < hi) {
                    sortTmp[o++] = cand[b++];
                }
                System.arraycopy(sortTmp, lo, cand, lo, hi - lo);
            }
        }
    }

    private static String goodsReason(CouponRule r, long base, long raw, long d) {
        StringBuilder sb = new StringBuilder();
        if (base == 0) {
            return "nothing left to discount on eligible goods";
        }
        if (r.type() == CouponType.FULL_CUT) {
            sb.append(r.discountAmountCents()).append(" off");
            if (raw < r.discountAmountCents()) {
                sb.append(", limited to the ").append(base).append(" cents left on eligible goods");
            }
        } else {
            sb.append(percent(r.discountBps())).append(" of ").append(base).append(" = ").append(raw);
        }
        if (d < raw) {
            sb.append(", capped at ").append(r.maxDiscountCents());
        }
        if (d == 0 && raw == 0) {
            sb.append(" (rounds to 0)");
        }
        if (r.minAmountCents() > 0) {
            sb.append(" (threshold ").append(r.minAmountCents()).append(" reached)");
        }
        return sb.toString();
    }

    private static String shippingReason(CouponRule r, long base, long d) {
        if (base == 0) {
            return "no shipping fee left to discount";
        }
        if (d == base) {
            return "shipping fee " + base + " waived";
        }
        return d + " of shipping fee " + base + " waived (cap " + r.maxDiscountCents() + ")";
    }

    static String percent(int bps) {
        String s = (bps / 100) + "." + (bps % 100 < 10 ? "0" : "") + (bps % 100);
        s = s.endsWith("00") ? s.substring(0, s.length() - 3) : s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
        return s + "%";
    }
}
