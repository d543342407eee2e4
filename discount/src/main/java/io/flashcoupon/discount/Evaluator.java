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
 * <p>Rules, in application order (amount-off first, then percentages on what remains, then
 * shipping):
 * <ol>
 *   <li>FULL_CUT coupons, larger amount first: min(amount, what remains of the eligible lines).
 *   <li>PERCENT_OFF coupons, larger rate first: rate x what remains of the eligible lines, rounded
 *       half up to the cent (never above what remains since rate &lt;= 100%).
 *   <li>FREE_SHIPPING coupons, larger cap first (no cap = largest): what remains of the fee.
 * </ol>
 * Equal type and amount/rate/cap: the narrower coupon (smaller eligible subtotal) first, then the
 * larger cap, the higher threshold, the canonical terms string, and only then the coupon id. The
 * order thus depends on the terms, never on ids, except between coupons with identical terms -
 * which is what makes such coupons interchangeable (the search relies on it).
 * Every coupon first needs an eligible line and its threshold met by the eligible subtotal BEFORE
 * any discount. Any type is capped by maxDiscountCents after rounding. A goods discount is spread
 * over the coupon's eligible lines in proportion to what remains of each (largest remainder
 * method, ties to the lower line index), so no line ever goes below zero.
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
        int[] buf = new int[lineCount];
        for (int i = 0; i < n; i++) {
            CouponRule r = rules.get(i);
            int c = 0;
            long sum = 0;
            for (int l = 0; l < lineCount; l++) {
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

    long eligibleSubtotal(int coupon) {
        return eligibleSubtotal[coupon];
    }

    /** The coupon index applied at position {@code pos} of the last evaluation. */
    int appliedAt(int pos) {
        return applied[pos];
    }

    /**
     * Applies coupons {@code chosen[0..k)} (indices into {@link #rules}, any order) and returns the
     * total discount. When {@code alloc} is not null, {@code alloc[pos][line]} receives the goods
     * discount of the coupon applied at {@code pos}; when {@code reasons} is not null it receives
     * the explanation of each position.
     */
    long evaluate(int[] chosen, int k, long[][] alloc, String[] reasons) {
        if (applied.length < k) {
            applied = new int[k];
            discount = new long[k];
            verdict = new Verdict[k];
        }
        for (int p = 0; p < k; p++) {
            int c = chosen[p];
            int q = p;
            while (q > 0 && applicationRank[applied[q - 1]] > applicationRank[c]) {
                applied[q] = applied[q - 1];
                q--;
            }
            applied[q] = c;
        }
        System.arraycopy(lineAmounts, 0, remaining, 0, lineCount);
        long shippingLeft = shippingFee;
        long goods = 0;
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
                d = capped(r, base);
                shippingLeft -= d;
                v = d > 0 ? Verdict.APPLIED : Verdict.NOTHING_TO_DISCOUNT;
                if (reasons != null) {
                    why = shippingReason(r, base, d);
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
                d = capped(r, raw);
                allocate(d, el, base, alloc == null ? null : alloc[p]);
                goods += d;
                v = d > 0 ? Verdict.APPLIED : Verdict.NOTHING_TO_DISCOUNT;
                if (reasons != null) {
                    why = goodsReason(r, base, raw, d);
                }
            }
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
     * to the lines with the largest remainders, ties to the lower index. A line gets at most what
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

    /** Stable sort of cand[0..n) by rem descending; cand is in ascending line order on entry. */
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
