package io.flashcoupon.discount;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The reference the search is checked against: every combination of at most maxStack wallet
 * coupons that the stacking table allows, valued by the public calculate (or, for 50-coupon
 * wallets, by the same Evaluator without building results), ordered by the documented tie-break.
 */
final class BruteForce {
    private BruteForce() {}

    record Best(List<Long> ids, long discount, long combinations) {}

    /** Through the public API: DiscountEngine.calculate on every valid combination. */
    static Best viaCalculate(DiscountEngine engine, Order order, List<CouponRule> wallet) {
        List<CouponRule> sorted = new ArrayList<>(wallet);
        sorted.sort(Comparator.comparingLong(CouponRule::couponId));
        Best[] best = {new Best(List.of(), 0, 0)};
        long[] count = {0};
        walk(sorted, 0, new ArrayList<>(), engine.maxStackCount(), combo -> {
            count[0]++;
            long d = engine.calculate(order, combo).discountCents();
            List<Long> ids = combo.stream().map(CouponRule::couponId).toList();
            if (better(d, ids, best[0])) {
                best[0] = new Best(ids, d, 0);
            }
        });
        return new Best(best[0].ids(), best[0].discount(), count[0]);
    }

    /** Through the Evaluator directly: fast enough for all ~2.4M subsets of a 50-coupon wallet. */
    static Best viaEvaluator(int maxStack, Order order, List<CouponRule> wallet) {
        List<CouponRule> sorted = new ArrayList<>(wallet);
        sorted.sort(Comparator.comparingLong(CouponRule::couponId));
        Evaluator ev = new Evaluator(order, sorted);
        int n = sorted.size();
        int[] chosen = new int[maxStack];
        int[] classCount = new int[StackingClass.values().length];
        Best[] best = {new Best(List.of(), 0, 0)};
        long[] count = {0};
        new Object() {
            void go(int start, int size) {
                if (size > 0) {
                    count[0]++;
                    long d = ev.evaluate(chosen, size, null, null);
                    if (d >= best[0].discount()) {
                        List<Long> ids = new ArrayList<>();
                        for (int i = 0; i < size; i++) {
                            ids.add(sorted.get(chosen[i]).couponId());
                        }
                        if (better(d, ids, best[0])) {
                            best[0] = new Best(ids, d, 0);
                        }
                    }
                }
                if (size == maxStack) {
                    return;
                }
                for (int i = start; i < n; i++) {
                    StackingClass c = sorted.get(i).stackingClass();
                    if (classCount[c.ordinal()] >= c.limit(maxStack)) {
                        continue;
                    }
                    classCount[c.ordinal()]++;
                    chosen[size] = i;
                    go(i + 1, size + 1);
                    classCount[c.ordinal()]--;
                }
            }
        }.go(0, 0);
        return new Best(best[0].ids(), best[0].discount(), count[0]);
    }

    /** Ids are ascending in both; true when (d, ids) wins the documented tie-break over b. */
    static boolean better(long d, List<Long> ids, Best b) {
        if (d != b.discount()) {
            return d > b.discount();
        }
        if (ids.size() != b.ids().size()) {
            return ids.size() < b.ids().size();
        }
        for (int i = 0; i < ids.size(); i++) {
            int cmp = Long.compare(ids.get(i), b.ids().get(i));
            if (cmp != 0) {
                return cmp < 0;
            }
        }
        return false;
    }

    private static void walk(List<CouponRule> sorted, int start, List<CouponRule> combo, int maxStack,
            java.util.function.Consumer<List<CouponRule>> visit) {
        if (!combo.isEmpty()) {
            visit.accept(List.copyOf(combo));
        }
        if (combo.size() == maxStack) {
            return;
        }
        for (int i = start; i < sorted.size(); i++) {
            CouponRule r = sorted.get(i);
            combo.add(r);
            if (!Oracle.allowed(combo, maxStack)) {
                combo.remove(combo.size() - 1);
                continue;
            }
            walk(sorted, i + 1, combo, maxStack, visit);
            combo.remove(combo.size() - 1);
        }
    }
}
