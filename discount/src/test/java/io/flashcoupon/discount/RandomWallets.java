package io.flashcoupon.discount;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Seeded orders and wallets for the 50-coupon search test and DiscountSearchBench. */
final class RandomWallets {
    private RandomWallets() {}

    /** An order of {@code lines} lines over {@code categories} categories. */
    static Order order(Random rnd, int lines, int categories, long shipping) {
        List<OrderLine> out = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            out.add(new OrderLine(100 + i, 1 + rnd.nextInt(categories), 1 + rnd.nextInt(3), 500 + rnd.nextInt(20_000)));
        }
        return new Order(out, shipping);
    }

    /** A mixed wallet: full-cuts with thresholds, percentages with caps, shipping; random scopes. */
    static List<CouponRule> mixed(Random rnd, int size, int categories) {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long id = 1000 + i;
            int kind = rnd.nextInt(10);
            CouponRule r;
            if (kind < 6) {
                long amount = 100 * (1 + rnd.nextInt(80));
                r = CouponRule.fullCut(id, amount, amount * (2 + rnd.nextInt(8)));
            } else if (kind < 9) {
                r = CouponRule.percentOff(id, 500 * (1 + rnd.nextInt(6)), 100L * rnd.nextInt(200),
                        rnd.nextBoolean() ? null : 100L * (5 + rnd.nextInt(60)));
            } else {
                r = CouponRule.freeShipping(id, 100L * rnd.nextInt(300), rnd.nextBoolean() ? null : 500L);
            }
            if (r.type() != CouponType.FREE_SHIPPING && rnd.nextInt(3) == 0) {
                r = r.scopedTo(List.of(), List.of((long) (1 + rnd.nextInt(categories))));
            }
            wallet.add(r);
        }
        return wallet;
    }

    /** Every coupon takes about a fifth of the order: all 5-subsets reach the goods total. */
    static List<CouponRule> allCapped(int size, long goodsTotal) {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            wallet.add(CouponRule.fullCut(2000 + i, goodsTotal / 5 + 1 + i % 3, 0));
        }
        return wallet;
    }

    /** Most coupons crowd one category, so stand-alone discounts overlap on the same lines. */
    static List<CouponRule> crowded(Random rnd, int size, long category) {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            CouponRule r = CouponRule.fullCut(3000 + i, 300 + rnd.nextInt(5_000), 0);
            if (i % 10 != 0) {
                r = r.scopedTo(List.of(), List.of(category));
            }
            wallet.add(r);
        }
        return wallet;
    }

    /** Each coupon covers a random set of categories: partial overlaps make allocation matter. */
    static List<CouponRule> overlapping(Random rnd, int size, int categories) {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            List<Long> cats = new ArrayList<>();
            for (long c = 1; c <= categories; c++) {
                if (rnd.nextInt(3) == 0) {
                    cats.add(c);
                }
            }
            CouponRule r = rnd.nextInt(4) == 0
                    ? CouponRule.percentOff(4000 + i, 1000 + rnd.nextInt(3000), 0, 200L + rnd.nextInt(4000))
                    : CouponRule.fullCut(4000 + i, 500 + rnd.nextInt(8000), 0);
            wallet.add(r.scopedTo(List.of(), cats));
        }
        return wallet;
    }

    /**
     * Adversarial for the bound: each big full-cut covers a random pair of categories, so group caps
     * overlap and only the goods total ties them together.
     */
    static List<CouponRule> pairs(Random rnd, int size, int categories) {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long a = 1 + rnd.nextInt(categories);
            long b = 1 + (a + rnd.nextInt(categories - 1)) % categories;
            CouponRule r = rnd.nextInt(5) == 0
                    ? CouponRule.percentOff(6000 + i, 2000 + rnd.nextInt(3000), 0, null)
                    : CouponRule.fullCut(6000 + i, 20_000 + rnd.nextInt(20_000), 0);
            wallet.add(r.scopedTo(List.of(), List.of(a, b)));
        }
        return wallet;
    }

    /** Values a cent apart on one scope, thresholds close to the order: many near-ties. */
    static List<CouponRule> nearTies(Random rnd, int size, long goodsTotal) {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long amount = goodsTotal / 6 + rnd.nextInt(3);
            CouponRule r = rnd.nextInt(4) == 0
                    ? CouponRule.percentOff(7000 + i, 1500 + rnd.nextInt(3), 0, goodsTotal / 6 + rnd.nextInt(3))
                    : CouponRule.fullCut(7000 + i, amount, goodsTotal - rnd.nextInt(3));
            wallet.add(r);
        }
        return wallet;
    }

    /** Many copies of a few templates, as when per-user limits allow several coupons of one sale. */
    static List<CouponRule> fewTemplates(int size) {
        List<CouponRule> templates = List.of(
                CouponRule.fullCut(0, 500, 5_000), CouponRule.fullCut(0, 2_000, 30_000),
                CouponRule.percentOff(0, 1_000, 0, 3_000L), CouponRule.freeShipping(0, 0, null),
                CouponRule.fullCut(0, 1_000, 0).scopedTo(List.of(), List.of(2L)));
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            CouponRule t = templates.get(i % templates.size());
            wallet.add(new CouponRule(5000 + i, t.type(), t.discountAmountCents(), t.discountBps(),
                    t.minAmountCents(), t.maxDiscountCents(), t.applicableGoodsIds(), t.applicableCategoryIds(),
                    Set.of(), Set.of(), t.stackingClass()));
        }
        return wallet;
    }

    /**
     * Adversarial for the search and the rules (issue 15): mutually exclusive percentages (at most
     * one PERCENT per order), full-cuts on partly overlapping category sets sized to compete for the
     * same lines, thresholds a cent above, at or a cent below the eligible subtotal, some shipping.
     * With {@code stackingRules}: copies of a template with a per-order limit of 1 or 2, exclusive
     * coupons, classes that refuse to combine, and floors on the amount paid.
     */
    static List<CouponRule> adversarial(Random rnd, Order order, int size, int categories, boolean stackingRules) {
        List<CouponRule> wallet = new ArrayList<>();
        long total = order.originalCents();
        for (int i = 0; i < size; i++) {
            long id = 8000 + i;
            if (stackingRules && i > 0 && rnd.nextInt(7) == 0) {
                wallet.add(wallet.get(rnd.nextInt(wallet.size())).withId(id)); // a copy of one template
                continue;
            }
            List<Long> cats = new ArrayList<>();
            int want = 1 + rnd.nextInt(Math.max(1, categories - 1));
            while (cats.size() < want) {
                long c = 1 + rnd.nextInt(categories);
                if (!cats.contains(c)) {
                    cats.add(c);
                }
            }
            long eligible = 0;
            for (OrderLine l : order.lines()) {
                eligible += cats.contains(l.categoryId()) ? l.amountCents() : 0;
            }
            long min = switch (rnd.nextInt(5)) {
                case 0 -> eligible + 1;
                case 1 -> eligible;
                case 2 -> Math.max(0, eligible - 1);
                default -> 0;
            };
            int kind = rnd.nextInt(10);
            CouponRule r;
            if (kind < 2) {
                r = CouponRule.percentOff(id, 500 + 100 * rnd.nextInt(46), min,
                        rnd.nextBoolean() ? null : Math.max(1, eligible / (2 + rnd.nextInt(6))));
            } else if (kind < 9) {
                r = CouponRule.fullCut(id, Math.max(1, eligible * (20 + rnd.nextInt(60)) / 100), min);
            } else {
                r = CouponRule.freeShipping(id, min, rnd.nextBoolean() ? null : 1L + rnd.nextInt(600));
            }
            if (r.type() != CouponType.FREE_SHIPPING || rnd.nextBoolean()) {
                r = r.scopedTo(List.of(), cats);
            }
            StackingRules rules = StackingRules.ofTemplate(100 + i);
            if (stackingRules) {
                rules = rules.withMaxPerOrder(1 + rnd.nextInt(2));
                if (rnd.nextInt(12) == 0) {
                    rules = rules.withExclusive(true);
                }
                if (rnd.nextInt(6) == 0) {
                    java.util.EnumSet<StackingClass> with = java.util.EnumSet.allOf(StackingClass.class);
                    with.remove(StackingClass.values()[rnd.nextInt(3)]);
                    rules = rules.withCombinesWith(with);
                }
                if (rnd.nextInt(8) == 0) {
                    rules = rules.withMinPayableCents(total * (30 + rnd.nextInt(50)) / 100);
                }
            }
            wallet.add(r.withStacking(rules));
        }
        return wallet;
    }

    /**
     * The wallet: a fifth mutually exclusive percentages, the rest full-cuts each on a random
     * pair or triple of categories and worth most of it, so that many stacks overlap on the same lines.
     */
    static List<CouponRule> exclusivePercents(Random rnd, Order order, int size, int categories) {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            List<Long> cats = new ArrayList<>();
            int want = 2 + rnd.nextInt(2);
            while (cats.size() < want) {
                long c = 1 + rnd.nextInt(categories);
                if (!cats.contains(c)) {
                    cats.add(c);
                }
            }
            long eligible = 0;
            for (OrderLine l : order.lines()) {
                eligible += cats.contains(l.categoryId()) ? l.amountCents() : 0;
            }
            CouponRule r = i < size / 5
                    ? CouponRule.percentOff(9000 + i, 1000 + 100 * rnd.nextInt(30), 0, null)
                    : CouponRule.fullCut(9000 + i, Math.max(1, eligible * (40 + rnd.nextInt(60)) / 100), 0);
            wallet.add(r.scopedTo(List.of(), cats).withStacking(StackingRules.ofTemplate(200 + i)));
        }
        return wallet;
    }
}
