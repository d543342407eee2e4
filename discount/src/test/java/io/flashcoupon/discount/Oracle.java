package io.flashcoupon.discount;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An exhaustive reference for the best combination that shares no code with the engine's
 * Evaluator or search: its own stacking check, its own application of the rules in BigInteger
 * arithmetic, every subset of the wallet and every allowed application order of each subset
 * (full-cuts in any order, then percentages in any order, then shipping). Slow by design; wallets
 * of up to ~12 coupons. It reads only the public record accessors and the documented rules.
 */
final class Oracle {
    private Oracle() {}

    record Best(List<Long> ids, long discount) {}

    static Best best(int maxStack, Order order, List<CouponRule> wallet) {
        List<CouponRule> sorted = new ArrayList<>(wallet);
        sorted.sort(Comparator.comparingLong(CouponRule::couponId));
        Best best = new Best(List.of(), 0);
        int n = sorted.size();
        for (long mask = 1; mask < 1L << n; mask++) {
            if (Long.bitCount(mask) > maxStack) {
                continue;
            }
            List<CouponRule> set = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if ((mask >> i & 1) != 0) {
                    set.add(sorted.get(i));
                }
            }
            if (!allowed(set, maxStack)) {
                continue;
            }
            long d = bestOverOrders(order, set);
            List<Long> ids = set.stream().map(CouponRule::couponId).toList();
            if (better(d, ids, best)) {
                best = new Best(ids, d);
            }
        }
        return best;
    }

    /** The documented stacking rules, written out plainly. */
    static boolean allowed(List<CouponRule> set, int maxStack) {
        if (set.size() > maxStack) {
            return false;
        }
        Map<StackingClass, Integer> perClass = new HashMap<>();
        Map<Long, Integer> perTemplate = new HashMap<>();
        for (CouponRule c : set) {
            if (c.stacking().templateId() != 0) {
                perTemplate.merge(c.stacking().templateId(), 1, Integer::sum);
            }
        }
        for (CouponRule c : set) {
            if (c.stacking().templateId() != 0 && perTemplate.get(c.stacking().templateId()) > c.stacking().maxPerOrder()) {
                return false;
            }
        }
        for (CouponRule c : set) {
            int inClass = perClass.merge(c.stackingClass(), 1, Integer::sum);
            int classLimit = c.stackingClass() == StackingClass.AMOUNT ? maxStack : 1;
            if (inClass > classLimit) {
                return false;
            }
            for (CouponRule o : set) {
                if (o == c) {
                    continue;
                }
                if (c.stacking().exclusive() || !c.stacking().combinesWith().contains(o.stackingClass())) {
                    return false;
                }
            }
        }
        return true;
    }

    static long bestOverOrders(Order order, List<CouponRule> set) {
        List<CouponRule> cuts = set.stream().filter(c -> c.type() == CouponType.FULL_CUT).toList();
        List<CouponRule> pcts = set.stream().filter(c -> c.type() == CouponType.PERCENT_OFF).toList();
        List<CouponRule> ships = set.stream().filter(c -> c.type() == CouponType.FREE_SHIPPING).toList();
        long best = 0;
        for (List<CouponRule> a : permutations(cuts)) {
            for (List<CouponRule> b : permutations(pcts)) {
                List<CouponRule> seq = new ArrayList<>(a);
                seq.addAll(b);
                seq.addAll(ships);
                best = Math.max(best, apply(order, seq));
            }
        }
        return best;
    }

    /** Total discount of the coupons applied in exactly this order. */
    static long apply(Order order, List<CouponRule> seq) {
        List<OrderLine> lines = order.lines();
        int m = lines.size();
        // canonical line order: goods, category, unit price, quantity, then position
        List<Integer> canonical = new ArrayList<>();
        for (int l = 0; l < m; l++) {
            canonical.add(l);
        }
        canonical.sort(Comparator.<Integer>comparingLong(l -> lines.get(l).goodsId())
                .thenComparingLong(l -> lines.get(l).categoryId())
                .thenComparingLong(l -> lines.get(l).unitPriceCents())
                .thenComparingInt(l -> lines.get(l).quantity())
                .thenComparingInt(l -> l));
        BigInteger[] left = new BigInteger[m];
        BigInteger original = BigInteger.valueOf(order.shippingFeeCents());
        for (int l = 0; l < m; l++) {
            left[l] = BigInteger.valueOf(lines.get(l).quantity()).multiply(BigInteger.valueOf(lines.get(l).unitPriceCents()));
            original = original.add(left[l]);
        }
        long floor = seq.stream().mapToLong(c -> c.stacking().minPayableCents()).max().orElse(0);
        BigInteger room = original.subtract(BigInteger.valueOf(floor)).max(BigInteger.ZERO);
        BigInteger shipLeft = BigInteger.valueOf(order.shippingFeeCents());
        BigInteger total = BigInteger.ZERO;
        for (CouponRule c : seq) {
            List<Integer> eligible = new ArrayList<>();
            BigInteger subtotal = BigInteger.ZERO;
            for (int l : canonical) {
                OrderLine line = lines.get(l);
                boolean in = (c.applicableGoodsIds().isEmpty() || c.applicableGoodsIds().contains(line.goodsId()))
                        && (c.applicableCategoryIds().isEmpty() || c.applicableCategoryIds().contains(line.categoryId()))
                        && !c.excludedGoodsIds().contains(line.goodsId())
                        && !c.excludedCategoryIds().contains(line.categoryId());
                if (in) {
                    eligible.add(l);
                    subtotal = subtotal.add(BigInteger.valueOf(line.quantity()).multiply(BigInteger.valueOf(line.unitPriceCents())));
                }
            }
            if (eligible.isEmpty() || subtotal.compareTo(BigInteger.valueOf(c.minAmountCents())) < 0) {
                continue;
            }
            BigInteger cap = c.maxDiscountCents() == null ? null : BigInteger.valueOf(c.maxDiscountCents());
            if (c.type() == CouponType.FREE_SHIPPING) {
                BigInteger d = cap == null ? shipLeft : shipLeft.min(cap);
                d = d.min(room);
                shipLeft = shipLeft.subtract(d);
                room = room.subtract(d);
                total = total.add(d);
                continue;
            }
            BigInteger base = BigInteger.ZERO;
            for (int l : eligible) {
                base = base.add(left[l]);
            }
            BigInteger d = c.type() == CouponType.FULL_CUT
                    ? base.min(BigInteger.valueOf(c.discountAmountCents()))
                    // half up: floor((base * bps + 5000) / 10000)
                    : base.multiply(BigInteger.valueOf(c.discountBps())).add(BigInteger.valueOf(5000))
                            .divide(BigInteger.valueOf(10_000));
            if (cap != null) {
                d = d.min(cap);
            }
            d = d.min(room);
            room = room.subtract(d);
            total = total.add(d);
            if (d.signum() == 0) {
                continue;
            }
            // largest remainder: floors first, then one cent each by remainder, ties in canonical line order
            BigInteger given = BigInteger.ZERO;
            BigInteger[] share = new BigInteger[m];
            BigInteger[] rem = new BigInteger[m];
            List<Integer> withRemainder = new ArrayList<>();
            for (int l : eligible) {
                BigInteger[] qr = d.multiply(left[l]).divideAndRemainder(base);
                share[l] = qr[0];
                rem[l] = qr[1];
                given = given.add(qr[0]);
                if (qr[1].signum() > 0) {
                    withRemainder.add(l);
                }
            }
            withRemainder.sort((x, y) -> rem[y].compareTo(rem[x])); // stable: canonical order on ties
            int extra = d.subtract(given).intValueExact();
            for (int t = 0; t < extra; t++) {
                int l = withRemainder.get(t);
                share[l] = share[l].add(BigInteger.ONE);
            }
            for (int l : eligible) {
                left[l] = left[l].subtract(share[l]);
                if (left[l].signum() < 0) {
                    throw new AssertionError("line " + l + " went negative");
                }
            }
        }
        return total.longValueExact();
    }

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

    private static List<List<CouponRule>> permutations(List<CouponRule> items) {
        List<List<CouponRule>> out = new ArrayList<>();
        permute(new ArrayList<>(items), 0, out);
        return out;
    }

    private static void permute(List<CouponRule> a, int k, List<List<CouponRule>> out) {
        if (k >= a.size() - 1) {
            out.add(List.copyOf(a));
            return;
        }
        for (int i = k; i < a.size(); i++) {
            java.util.Collections.swap(a, k, i);
            permute(a, k + 1, out);
            java.util.Collections.swap(a, k, i);
        }
    }
}
