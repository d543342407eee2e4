package io.flashcoupon.discount;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties over random orders and wallets. Values are drawn from small pools so that equal
 * terms, ties, thresholds met exactly, zero-priced lines and partially overlapping scopes are common.
 */
class DiscountPropertiesTest {

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Order> orders() {
        Arbitrary<OrderLine> line = Combinators.combine(
                Arbitraries.longs().between(1, 4),
                Arbitraries.longs().between(1, 3),
                Arbitraries.integers().between(1, 4),
                Arbitraries.frequencyOf(
                        Tuple.of(1, Arbitraries.just(0L)),
                        Tuple.of(6, Arbitraries.longs().between(1, 5000)),
                        Tuple.of(3, Arbitraries.of(100L, 333L, 1000L, 2500L))))
                .as(OrderLine::new);
        return Combinators.combine(line.list().ofMinSize(1).ofMaxSize(8),
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0L)),
                        Tuple.of(3, Arbitraries.longs().between(1, 1500))))
                .as(Order::new);
    }

    private Arbitrary<CouponRule> couponTerms() {
        Arbitrary<CouponType> type = Arbitraries.of(CouponType.class);
        Arbitrary<Long> amount = Arbitraries.of(1L, 100L, 500L, 1000L, 2500L, 7000L);
        Arbitrary<Integer> bps = Arbitraries.of(1, 1000, 1500, 3333, 5000, 9999, 10_000);
        Arbitrary<Long> min = Arbitraries.of(0L, 0L, 0L, 1000L, 2500L, 6000L);
        Arbitrary<Long> cap = Arbitraries.of(100L, 300L, 1000L, 0L).injectNull(0.5);
        Arbitrary<Set<Long>> goods = Arbitraries.longs().between(1, 4).set().ofMinSize(1).ofMaxSize(3);
        Arbitrary<Set<Long>> cats = Arbitraries.longs().between(1, 3).set().ofMinSize(1).ofMaxSize(2);
        Arbitrary<Set<Long>> scopeGoods = Arbitraries.oneOf(Arbitraries.just(Set.of()), Arbitraries.just(Set.of()), goods);
        Arbitrary<Set<Long>> scopeCats = Arbitraries.oneOf(Arbitraries.just(Set.of()), Arbitraries.just(Set.of()), cats);
        Arbitrary<Set<Long>> exGoods = Arbitraries.oneOf(Arbitraries.just(Set.of()), Arbitraries.just(Set.of()),
                Arbitraries.just(Set.of()), goods);
        Arbitrary<Set<Long>> exCats = Arbitraries.oneOf(Arbitraries.just(Set.of()), Arbitraries.just(Set.of()),
                Arbitraries.just(Set.of()), cats);
        // Mostly the default class of the type; sometimes another one, which also exercises the
        // search without its percent-aware bound (e.g. two PERCENT_OFF coupons in class AMOUNT).
        Arbitrary<StackingClass> cls = Arbitraries.of(StackingClass.class).injectNull(0.8);
        return Combinators.combine(type, amount, bps, min, cap, scopeGoods, scopeCats, exGoods)
                .flatAs((t, a, b, m, c, g, k, xg) -> Combinators.combine(exCats, cls, stackingRules()).as((xk, sc, st) ->
                        new CouponRule(0, t, a, b, m, c, g, k, xg, xk, sc, st)));
    }

    /** Mostly no template (engine-level coupons); sometimes template limits, exclusivity, combines-with, floors. */
    private Arbitrary<StackingRules> stackingRules() {
        Arbitrary<StackingRules> ruled = Combinators.combine(
                Arbitraries.longs().between(1, 3), Arbitraries.integers().between(1, 2),
                Arbitraries.frequency(Tuple.of(9, false), Tuple.of(1, true)),
                Arbitraries.of(StackingClass.class).set().ofMinSize(0).ofMaxSize(3),
                Arbitraries.of(0L, 0L, 0L, 500L, 3000L))
                .as((tpl, max, ex, with, floor) -> new StackingRules(tpl, ex, tpl == 2 ? 2 : 1,
                        with.size() < 2 ? java.util.EnumSet.allOf(StackingClass.class) : with, floor));
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(StackingRules.NONE)), Tuple.of(1, ruled));
    }

    @Provide
    Arbitrary<List<CouponRule>> wallets() {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.integers().between(0, 2)),
                Tuple.of(6, Arbitraries.integers().between(3, 8))).flatMap(n -> Combinators.combine(
                couponTerms().list().ofSize(n),
                Arbitraries.longs().between(1, 40).set().ofSize(n).map(ArrayList::new).map(ids -> {
                    Collections.shuffle(ids, new Random(ids.hashCode()));
                    return ids;
                }),
                Arbitraries.integers().between(0, 1).list().ofSize(n))
                .as((terms, ids, copyPrevious) -> {
                    List<CouponRule> wallet = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        CouponRule t = i > 0 && copyPrevious.get(i) == 1 ? wallet.get(i - 1) : terms.get(i);
                        wallet.add(withId(t, ids.get(i)));
                    }
                    return wallet;
                }));
    }

    static CouponRule withId(CouponRule t, long id) {
        return t.withId(id);
    }

    /** The coupons picked by {@code mask} that still fit the stacking rules (by the oracle's check), in wallet order. */
    static List<CouponRule> stackable(List<CouponRule> wallet, long mask, int maxStack) {
        List<CouponRule> out = new ArrayList<>();
        for (int i = 0; i < wallet.size() && out.size() < maxStack; i++) {
            CouponRule c = wallet.get(i);
            if ((mask >> i & 1) == 0) {
                continue;
            }
            out.add(c);
            if (!Oracle.allowed(out, maxStack)) {
                out.remove(out.size() - 1);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ calculate

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 2000)
    void allocations_are_exact_and_amounts_stay_in_bounds(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet, @ForAll long mask) {
        DiscountEngine engine = Engines.untimed(5);
        List<CouponRule> coupons = stackable(wallet, mask, engine.maxStackCount());
        DiscountResult r = engine.calculate(order, coupons);

        List<Long> lineAmounts = order.lines().stream().map(OrderLine::amountCents).toList();
        assertThat(r.originalCents()).isEqualTo(order.originalCents());
        assertThat(r.goodsCents()).isEqualTo(order.goodsCents());
        assertThat(r.discountCents()).isBetween(0L, r.originalCents());
        assertThat(r.finalCents()).isEqualTo(r.originalCents() - r.discountCents()).isNotNegative();
        assertThat(r.discountCents()).isEqualTo(r.goodsDiscountCents() + r.shippingDiscountCents());
        assertThat(r.shippingDiscountCents()).isBetween(0L, order.shippingFeeCents());
        assertThat(r.coupons()).hasSameSizeAs(coupons);

        long[] perLine = new long[lineAmounts.size()];
        long goods = 0;
        for (CouponDiscount c : r.coupons()) {
            CouponRule rule = coupons.stream().filter(x -> x.couponId() == c.couponId()).findFirst().orElseThrow();
            assertThat(c.discountCents()).isNotNegative();
            if (rule.maxDiscountCents() != null) {
                assertThat(c.discountCents()).isLessThanOrEqualTo(rule.maxDiscountCents());
            }
            assertThat(c.verdict() == Verdict.APPLIED).isEqualTo(c.discountCents() > 0);
            long sum = 0;
            for (LineAllocation a : c.allocations()) {
                assertThat(a.discountCents()).isPositive();
                assertThat(rule.covers(order.lines().get(a.lineIndex()))).isTrue();
                perLine[a.lineIndex()] += a.discountCents();
                sum += a.discountCents();
            }
            if (c.shipping()) {
                assertThat(c.allocations()).isEmpty();
            } else {
                assertThat(sum).isEqualTo(c.discountCents());
                goods += c.discountCents();
            }
        }
        assertThat(goods).isEqualTo(r.goodsDiscountCents());
        for (int l = 0; l < perLine.length; l++) {
            LineAllocation a = r.lines().get(l);
            assertThat(a.lineIndex()).isEqualTo(l);
            assertThat(a.discountCents()).isEqualTo(perLine[l]).isBetween(0L, lineAmounts.get(l));
        }
    }

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1000)
    void a_coupon_never_saves_more_in_company_than_alone(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet, @ForAll long mask) {
        DiscountEngine engine = Engines.untimed(5);
        Map<Long, Availability> alone = new java.util.HashMap<>();
        for (Availability a : engine.availability(order, wallet)) {
            alone.put(a.couponId(), a);
            assertThat(a.usable()).isEqualTo(a.discountCents() > 0);
        }
        for (CouponDiscount c : engine.calculate(order, stackable(wallet, mask, 5)).coupons()) {
            assertThat(c.discountCents()).isLessThanOrEqualTo(alone.get(c.couponId()).discountCents());
        }
    }

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1000)
    void calculate_does_not_depend_on_the_order_coupons_are_listed_in(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet, @ForAll long mask) {
        DiscountEngine engine = Engines.untimed(5);
        List<CouponRule> coupons = new ArrayList<>(stackable(wallet, mask, 5));
        DiscountResult first = engine.calculate(order, coupons);
        Collections.reverse(coupons);
        assertThat(engine.calculate(order, coupons)).isEqualTo(first);
    }

    // ------------------------------------------------------------------ best combination

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1000)
    void best_combination_equals_brute_force_and_beats_every_valid_combination(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet, @ForAll @IntRange(min = 1, max = 5) int maxStack) {
        DiscountEngine engine = Engines.untimed(maxStack);
        BestCombination best = engine.bestCombination(order, wallet);
        BruteForce.Best reference = BruteForce.viaCalculate(engine, order, wallet);

        // Printed by jqwik: shows the generators reach multi-coupon optima, not just empty wallets.
        Statistics.label("coupons in best").collect(best.couponIds().size());
        Statistics.label("usable alone").collect(engine.availability(order, wallet).stream()
                .filter(Availability::usable).count());
        assertThat(best.proven()).isTrue();
        assertThat(best.result().discountCents()).isEqualTo(reference.discount());
        assertThat(best.couponIds()).isEqualTo(reference.ids());
        List<CouponRule> chosen = wallet.stream().filter(c -> best.couponIds().contains(c.couponId())).toList();
        assertThat(best.result()).isEqualTo(engine.calculate(order, chosen));
    }

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 500)
    void best_combination_with_max_stack_three_is_the_brute_force_optimum(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet) {
        DiscountEngine engine = Engines.untimed(3);
        BestCombination best = engine.bestCombination(order, wallet);
        for (long mask = 0; mask < 1L << wallet.size(); mask++) {
            List<CouponRule> combo = stackable(wallet, mask, 3);
            assertThat(engine.calculate(order, combo).discountCents())
                    .isLessThanOrEqualTo(best.result().discountCents());
        }
        assertThat(best.couponIds()).isEqualTo(BruteForce.viaCalculate(engine, order, wallet).ids());
    }

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 500)
    void best_combination_is_deterministic_whatever_the_wallet_order(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet, @ForAll long seed) {
        DiscountEngine engine = Engines.untimed(5);
        BestCombination first = engine.bestCombination(order, wallet);
        List<CouponRule> shuffled = new ArrayList<>(wallet);
        Collections.shuffle(shuffled, new Random(seed));
        BestCombination again = engine.bestCombination(order, shuffled);
        assertThat(again.couponIds()).isEqualTo(first.couponIds());
        assertThat(again.result()).isEqualTo(first.result());
        assertThat(engine.bestCombination(order, wallet)).isEqualTo(first);
    }

    // ------------------------------------------------------------------ independent oracle (issue 15)

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1500)
    void best_combination_equals_the_independent_oracle_on_adversarial_wallets(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 5) int maxStack) {
        Random rnd = new Random(seed);
        Order order = RandomWallets.order(rnd, 1 + rnd.nextInt(6), 4, rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(900));
        List<CouponRule> wallet = RandomWallets.adversarial(rnd, order, 2 + rnd.nextInt(9), 4, rnd.nextBoolean());
        DiscountEngine engine = Engines.untimed(maxStack);
        BestCombination best = engine.bestCombination(order, wallet);
        Oracle.Best reference = Oracle.best(maxStack, order, wallet);

        Statistics.label("coupons in best").collect(best.couponIds().size());
        assertThat(best.proven()).isTrue();
        assertThat(best.result().discountCents()).isEqualTo(reference.discount());
        assertThat(best.couponIds()).isEqualTo(reference.ids());
        List<CouponRule> chosen = wallet.stream().filter(c -> best.couponIds().contains(c.couponId())).toList();
        assertThat(best.result()).isEqualTo(engine.calculate(order, chosen));
    }

    /**
     * The percentage bound's proportional spread: full-cuts on category pairs that share one category
     * with a percentage's pair take part of its base whatever the order (the "pairs" shape, small
     * enough for the oracle), some with a floor so the spread is cut short by the minimum payable.
     */
    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1500)
    void best_combination_equals_the_independent_oracle_on_pairs_around_a_percentage(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 5) int maxStack) {
        Random rnd = new Random(seed);
        int categories = 2 + rnd.nextInt(3);
        Order order = RandomWallets.order(rnd, 1 + rnd.nextInt(7), categories, 0);
        List<CouponRule> wallet = new ArrayList<>(RandomWallets.pairs(rnd, 2 + rnd.nextInt(9), categories));
        if (rnd.nextInt(4) == 0) {
            int i = rnd.nextInt(wallet.size());
            wallet.set(i, wallet.get(i).withStacking(StackingRules.ofTemplate(900 + i)
                    .withMinPayableCents(order.originalCents() * rnd.nextInt(60) / 100)));
        }
        DiscountEngine engine = Engines.untimed(maxStack);
        BestCombination best = engine.bestCombination(order, wallet);
        Oracle.Best reference = Oracle.best(maxStack, order, wallet);

        Statistics.label("percentage in best").collect(wallet.stream()
                .anyMatch(c -> c.type() == CouponType.PERCENT_OFF && best.couponIds().contains(c.couponId())));
        assertThat(best.proven()).isTrue();
        assertThat(best.result().discountCents()).isEqualTo(reference.discount());
        assertThat(best.couponIds()).isEqualTo(reference.ids());
    }

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1000)
    void best_combination_equals_the_independent_oracle(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet, @ForAll @IntRange(min = 1, max = 5) int maxStack) {
        BestCombination best = Engines.untimed(maxStack).bestCombination(order, wallet);
        Oracle.Best reference = Oracle.best(maxStack, order, wallet);
        assertThat(best.result().discountCents()).isEqualTo(reference.discount());
        assertThat(best.couponIds()).isEqualTo(reference.ids());
    }

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1500)
    void calculate_is_the_best_over_the_allowed_application_orders(@ForAll long seed, @ForAll long mask) {
        Random rnd = new Random(seed);
        Order order = RandomWallets.order(rnd, 1 + rnd.nextInt(6), 3, rnd.nextInt(500));
        List<CouponRule> wallet = RandomWallets.adversarial(rnd, order, 8, 3, rnd.nextBoolean());
        List<CouponRule> coupons = stackable(wallet, mask, 5);
        DiscountResult r = Engines.untimed(5).calculate(order, coupons);
        assertThat(r.discountCents()).isEqualTo(Oracle.bestOverOrders(order, coupons));
        assertThat(r.finalCents()).isGreaterThanOrEqualTo(
                coupons.stream().mapToLong(c -> c.stacking().minPayableCents()).max().orElse(0)
                        < order.originalCents() ? coupons.stream().mapToLong(c -> c.stacking().minPayableCents())
                        .max().orElse(0) : 0);
    }

    @Property(edgeCases = EdgeCasesMode.NONE, tries = 1000)
    void calculate_does_not_depend_on_the_order_of_the_lines(@ForAll("orders") Order order,
            @ForAll("wallets") List<CouponRule> wallet, @ForAll long mask, @ForAll long seed) {
        DiscountEngine engine = Engines.untimed(5);
        List<CouponRule> coupons = stackable(wallet, mask, 5);
        List<OrderLine> shuffled = new ArrayList<>(order.lines());
        Collections.shuffle(shuffled, new Random(seed));
        DiscountResult a = engine.calculate(order, coupons);
        DiscountResult b = engine.calculate(new Order(shuffled, order.shippingFeeCents()), coupons);
        assertThat(b.discountCents()).isEqualTo(a.discountCents());
        assertThat(b.goodsDiscountCents()).isEqualTo(a.goodsDiscountCents());
        assertThat(b.coupons().stream().map(c -> c.couponId() + "=" + c.discountCents()).sorted().toList())
                .isEqualTo(a.coupons().stream().map(c -> c.couponId() + "=" + c.discountCents()).sorted().toList());
        assertThat(perLine(b, shuffled)).isEqualTo(perLine(a, order.lines()));
    }

    /** Each line's discount keyed by the line's content (identical lines are interchangeable). */
    private static List<String> perLine(DiscountResult r, List<OrderLine> lines) {
        return r.lines().stream().map(a -> lines.get(a.lineIndex()) + "=" + a.discountCents()).sorted().toList();
    }
}
