package io.flashcoupon.discount;

import static io.flashcoupon.discount.DiscountEngineTest.line;
import static io.flashcoupon.discount.DiscountEngineTest.order;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BestCombinationTest {
    private final DiscountEngine engine = Engines.untimed(DiscountEngine.DEFAULT_MAX_STACK_COUNT);

    @Test
    void beats_greedy_by_stand_alone_discount() {
        // Alone: 60% = 6000, 5000 off, 4500 off. Greedy takes the 60% first: 5000 + 60% of 5000 = 8000.
        // The best pair is the two full-cuts: 9500.
        Order o = order(0, line(1, 1, 1, 10_000));
        List<CouponRule> wallet = List.of(CouponRule.percentOff(1, 6000, 0, null), CouponRule.fullCut(2, 5000, 0),
                CouponRule.fullCut(3, 4500, 0));
        BestCombination best = Engines.untimed(2).bestCombination(o, wallet);
        assertThat(best.couponIds()).containsExactly(2L, 3L);
        assertThat(best.result().discountCents()).isEqualTo(9500);
        assertThat(best.proven()).isTrue();
    }

    @Test
    void looks_beyond_the_first_five_coupons() {
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            wallet.add(CouponRule.fullCut(i, 10, 0));
        }
        wallet.add(CouponRule.fullCut(99, 5000, 0));
        BestCombination best = engine.bestCombination(order(0, line(1, 1, 1, 5000)), wallet);
        assertThat(best.couponIds()).containsExactly(99L);
    }

    @Test
    void ties_go_to_fewer_coupons_then_to_the_smallest_ids() {
        Order o = order(0, line(1, 1, 1, 10_000));
        List<CouponRule> fewer = List.of(CouponRule.fullCut(1, 6000, 0), CouponRule.fullCut(2, 6000, 0),
                CouponRule.fullCut(9, 10_000, 0));
        assertThat(engine.bestCombination(o, fewer).couponIds()).containsExactly(9L);

        List<CouponRule> smallerIds = List.of(CouponRule.fullCut(7, 300, 0), CouponRule.percentOff(3, 300, 0, null),
                CouponRule.fullCut(5, 300, 0));
        assertThat(Engines.untimed(1).bestCombination(o, smallerIds).couponIds()).containsExactly(3L);
    }

    @Test
    void identical_coupons_are_interchangeable_and_the_smallest_ids_win() {
        List<CouponRule> wallet = new ArrayList<>();
        for (long id : new long[] {40, 12, 33, 7, 21, 18, 5}) {
            wallet.add(CouponRule.fullCut(id, 100, 0));
        }
        BestCombination best = engine.bestCombination(order(0, line(1, 1, 1, 10_000)), wallet);
        assertThat(best.couponIds()).containsExactly(5L, 7L, 12L, 18L, 21L);
        assertThat(best.result().discountCents()).isEqualTo(500);
    }

    @Test
    void identical_coupons_stay_interchangeable_next_to_a_coupon_with_the_same_rate() {
        // Found by the brute-force property: with ids breaking the tie between the capped and the
        // uncapped 10%, coupon 1 applied before coupon 2 but 3, 5, 6 after it, so identical coupons
        // were not interchangeable and the search missed the optimum by 10 cents.
        Order o = order(0, line(1, 1, 1, 3700), line(2, 1, 3, 2102));
        List<CouponRule> wallet = new ArrayList<>();
        for (long id : new long[] {4, 8, 2}) {
            wallet.add(CouponRule.percentOff(id, 1000, 0, null));
        }
        for (long id : new long[] {1, 3, 7, 6, 5}) {
            wallet.add(CouponRule.percentOff(id, 1000, 0, 100L).inClass(StackingClass.AMOUNT));
        }
        DiscountEngine engine4 = Engines.untimed(4);
        BestCombination best = engine4.bestCombination(o, wallet);
        assertThat(best.result().discountCents()).isEqualTo(1001 + 3 * 100);
        assertThat(best.couponIds()).isEqualTo(BruteForce.viaCalculate(engine4, o, wallet).ids()).containsExactly(1L, 2L,
                3L, 5L);
    }

    @Test
    void respects_the_stacking_table() {
        Order o = order(900, line(1, 1, 1, 10_000));
        List<CouponRule> wallet = List.of(CouponRule.percentOff(1, 2000, 0, null), CouponRule.percentOff(2, 1500, 0, null),
                CouponRule.freeShipping(3, 0, null), CouponRule.freeShipping(4, 0, 100L), CouponRule.fullCut(5, 100, 0));
        BestCombination best = engine.bestCombination(o, wallet);
        assertThat(best.couponIds()).containsExactly(1L, 3L, 5L);
        assertThat(best.result().discountCents()).isEqualTo(100 + 1980 + 900);
    }

    @Test
    void coupons_that_save_nothing_are_never_picked_and_an_empty_answer_is_proven() {
        Order o = order(0, line(1, 1, 1, 1000));
        BestCombination none = engine.bestCombination(o, List.of(CouponRule.fullCut(1, 100, 5000),
                CouponRule.freeShipping(2, 0, null), CouponRule.fullCut(3, 100, 0).scopedTo(List.of(), List.of(2L))));
        assertThat(none.couponIds()).isEmpty();
        assertThat(none.result().discountCents()).isZero();
        assertThat(none.result().finalCents()).isEqualTo(1000);
        assertThat(none.proven()).isTrue();
        assertThat(engine.bestCombination(o, List.of()).couponIds()).isEmpty();
    }

    @Test
    void a_spent_time_budget_returns_a_valid_combination_flagged_unproven_with_the_reason() {
        Random rnd = new Random(7);
        Order o = RandomWallets.order(rnd, 12, 6, 0);
        List<CouponRule> wallet = RandomWallets.pairs(rnd, 50, 6);
        // the fake ticker moves 1 s per reading: the 1 ms budget is spent at the first check (256 units of work)
        BestCombination cut = Engines.ticking(5, java.time.Duration.ofMillis(1), 1_000_000_000).bestCombination(o, wallet);
        assertThat(cut.proven()).isFalse();
        assertThat(cut.unprovenReason()).contains("budget of 1 ms").contains("47 usable coupons");
        List<CouponRule> chosen = wallet.stream().filter(c -> cut.couponIds().contains(c.couponId())).toList();
        assertThat(cut.result()).isEqualTo(engine.calculate(o, chosen));
        BestCombination full = engine.bestCombination(o, wallet);
        assertThat(full.proven()).isTrue();
        assertThat(full.unprovenReason()).isEmpty();
        assertThat(full.result().discountCents()).isGreaterThanOrEqualTo(cut.result().discountCents());
    }

    @Test
    void beyond_fifty_usable_coupons_an_unfinished_search_says_the_wallet_is_too_large_to_be_proven() {
        Random rnd = new Random(9);
        Order o = RandomWallets.order(rnd, 12, 6, 0);
        List<CouponRule> wallet = RandomWallets.pairs(rnd, 120, 6);
        BestCombination cut = Engines.ticking(5, java.time.Duration.ofMillis(1), 1_000_000_000).bestCombination(o, wallet);
        assertThat(cut.proven()).isFalse();
        assertThat(cut.unprovenReason()).contains("more than the 50 it is measured to prove within it");
        List<CouponRule> chosen = wallet.stream().filter(c -> cut.couponIds().contains(c.couponId())).toList();
        assertThat(cut.result()).isEqualTo(engine.calculate(o, chosen));
    }

    @Test
    void the_same_wallet_in_any_order_gives_the_same_answer() {
        Random rnd = new Random(11);
        Order o = RandomWallets.order(rnd, 10, 4, 600);
        List<CouponRule> wallet = new ArrayList<>(RandomWallets.mixed(rnd, 30, 4));
        BestCombination first = engine.bestCombination(o, wallet);
        for (int i = 0; i < 5; i++) {
            Collections.shuffle(wallet, rnd);
            BestCombination again = engine.bestCombination(o, wallet);
            assertThat(again.couponIds()).isEqualTo(first.couponIds());
            assertThat(again.result()).isEqualTo(first.result());
        }
    }

    @Test
    void a_fifty_coupon_wallet_completes_and_finds_the_pair_greedy_misses() {
        // The greedy trap of beats_greedy_by_stand_alone_discount, hidden among 47 weaker coupons,
        // max stack 2 so the trap decides the answer.
        Order o = order(0, line(1, 1, 1, 10_000));
        List<CouponRule> wallet = new ArrayList<>();
        for (int i = 0; i < 47; i++) {
            wallet.add(i % 2 == 0 ? CouponRule.fullCut(100 + i, 1000 + 50 * i % 3000, 0)
                    : CouponRule.percentOff(100 + i, 1000 + 97 * i % 4000, 0, 3000L));
        }
        wallet.add(CouponRule.percentOff(1, 6000, 0, null));
        wallet.add(CouponRule.fullCut(2, 5000, 0));
        wallet.add(CouponRule.fullCut(3, 4500, 0));
        Collections.shuffle(wallet, new Random(3));
        BestCombination best = Engines.untimed(2).bestCombination(o, wallet);
        assertThat(best.proven()).isTrue();
        assertThat(best.couponIds()).containsExactly(2L, 3L);
        assertThat(best.result().discountCents()).isEqualTo(9500);
    }

    @Test
    void a_fifty_coupon_wallet_with_max_stack_five_matches_brute_force() {
        // ~2.4 million combinations for the reference; the search itself takes milliseconds.
        Random rnd = new Random(2024);
        Order o = RandomWallets.order(rnd, 12, 5, 800);
        List<CouponRule> wallet = RandomWallets.mixed(rnd, 50, 5);
        BestCombination best = engine.bestCombination(o, wallet);
        BruteForce.Best reference = BruteForce.viaEvaluator(5, o, wallet);
        assertThat(best.proven()).isTrue();
        assertThat(best.couponIds()).isEqualTo(reference.ids());
        assertThat(best.result().discountCents()).isEqualTo(reference.discount());
        assertThat(reference.combinations()).isGreaterThan(1_000_000);
    }

    @Test
    void two_versions_of_a_template_with_different_per_order_limits_obey_the_stricter_one() {
        // stacking is versioned: coupons granted before and after an edit of max_per_order share a template
        Order order = new Order(List.of(new OrderLine(1, 1, 1, 10_000)), 0);
        List<CouponRule> wallet = List.of(
                CouponRule.fullCut(1, 1_000, 0).withStacking(StackingRules.ofTemplate(100).withMaxPerOrder(2)),
                CouponRule.fullCut(2, 2_000, 0).withStacking(StackingRules.ofTemplate(100).withMaxPerOrder(1)));
        BestCombination best = engine.bestCombination(order, wallet);
        assertThat(best.couponIds()).containsExactly(2L);
        assertThat(best.result().discountCents()).isEqualTo(2_000);
        assertThat(best.couponIds()).isEqualTo(Oracle.best(engine.maxStackCount(), order, wallet).ids());
    }
}
