package io.flashcoupon.discount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.discount.DiscountException.Problem;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merchant's stacking rules and the order-independence of the result (issue 15). */
class StackingRulesTest {
    private final DiscountEngine engine = Engines.untimed(5);

    private static CouponRule ofTemplate(CouponRule r, long template) {
        return r.withStacking(StackingRules.ofTemplate(template));
    }

    private static void refused(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(DiscountException.class, e -> {
            assertThat(e.problem()).isEqualTo(Problem.NOT_COMBINABLE);
            assertThat(e).hasMessageContaining(message);
        });
    }

    @Test
    void five_copies_of_one_template_do_not_make_the_goods_free() {
        Order o = Order.of(0, new OrderLine(1, 1, 1, 10_000));
        List<CouponRule> copies = List.of(1L, 2L, 3L, 4L, 5L).stream()
                .map(id -> ofTemplate(CouponRule.fullCut(id, 3_000, 10_000), 77)).toList();
        refused(() -> engine.calculate(o, copies), "at most 1 coupon of template 77 per order, got coupons [1, 2, 3, 4, 5]");
        BestCombination best = engine.bestCombination(o, copies);
        assertThat(best.couponIds()).containsExactly(1L);
        assertThat(best.result().finalCents()).isEqualTo(7_000);
    }

    @Test
    void a_template_may_allow_several_copies_per_order() {
        Order o = Order.of(0, new OrderLine(1, 1, 1, 10_000));
        StackingRules twice = StackingRules.ofTemplate(77).withMaxPerOrder(2);
        List<CouponRule> copies = List.of(1L, 2L, 3L).stream()
                .map(id -> CouponRule.fullCut(id, 3_000, 10_000).withStacking(twice)).toList();
        BestCombination best = engine.bestCombination(o, copies);
        assertThat(best.couponIds()).containsExactly(1L, 2L);
        assertThat(best.result().discountCents()).isEqualTo(6_000);
    }

    @Test
    void an_exclusive_coupon_is_applied_alone() {
        Order o = Order.of(500, new OrderLine(1, 1, 1, 10_000));
        CouponRule exclusive = CouponRule.percentOff(1, 2_500, 0, null)
                .withStacking(StackingRules.ofTemplate(1).withExclusive(true));
        CouponRule cut = ofTemplate(CouponRule.fullCut(2, 1_000, 0), 2);
        CouponRule ship = ofTemplate(CouponRule.freeShipping(3, 0, null), 3);
        refused(() -> engine.calculate(o, List.of(cut, exclusive)), "coupon 1 is exclusive");
        // alone 2,500 beats 1,000 + 500 together
        assertThat(engine.bestCombination(o, List.of(exclusive, cut, ship)).couponIds()).containsExactly(1L);
        CouponRule bigCut = ofTemplate(CouponRule.fullCut(4, 2_400, 0), 4);
        // 2,400 + 500 beats the exclusive 2,500
        assertThat(engine.bestCombination(o, List.of(exclusive, bigCut, ship)).couponIds()).containsExactly(3L, 4L);
    }

    @Test
    void combines_with_classes_must_agree_both_ways() {
        Order o = Order.of(500, new OrderLine(1, 1, 1, 10_000));
        CouponRule noShipping = CouponRule.fullCut(1, 1_000, 0).withStacking(StackingRules.ofTemplate(1)
                .withCombinesWith(EnumSet.of(StackingClass.AMOUNT, StackingClass.PERCENT)));
        CouponRule ship = ofTemplate(CouponRule.freeShipping(2, 0, null), 2);
        CouponRule pct = ofTemplate(CouponRule.percentOff(3, 1_000, 0, null), 3);
        refused(() -> engine.calculate(o, List.of(noShipping, ship)),
                "coupon 1 (AMOUNT) does not combine with coupon 2 (SHIPPING)");
        assertThat(engine.calculate(o, List.of(noShipping, pct)).discountCents()).isEqualTo(1_000 + 900);
        // best: cut + percent (1,900) beats percent + shipping (1,500)
        assertThat(engine.bestCombination(o, List.of(noShipping, ship, pct)).couponIds()).containsExactly(1L, 3L);
    }

    @Test
    void a_floor_on_the_amount_paid_limits_the_coupons_applied_last() {
        Order o = Order.of(500, new OrderLine(1, 1, 1, 10_000));
        CouponRule cut = CouponRule.fullCut(1, 6_000, 0)
                .withStacking(StackingRules.ofTemplate(1).withMinPayableCents(5_000));
        CouponRule pct = ofTemplate(CouponRule.percentOff(2, 5_000, 0, null), 2);
        CouponRule ship = ofTemplate(CouponRule.freeShipping(3, 0, null), 3);
        DiscountResult r = engine.calculate(o, List.of(cut, pct, ship));
        assertThat(r.finalCents()).isEqualTo(5_000);
        assertThat(r.coupons()).extracting(CouponDiscount::discountCents).containsExactly(5_500L, 0L, 0L);
        assertThat(r.coupons().get(1).reason()).contains("minimum payable of 5000");
        assertThat(r.coupons().get(1).verdict()).isEqualTo(Verdict.NOTHING_TO_DISCOUNT);
        // the floored cut alone saves 5,500 (10,500 - 5,000); so do the percentage and shipping together
        // (5,000 + 500): equal savings, fewer coupons win
        BestCombination best = engine.bestCombination(o, List.of(cut, pct, ship));
        assertThat(best.result().discountCents()).isEqualTo(5_500);
        assertThat(best.couponIds()).containsExactly(1L);
    }

    @Test
    void the_best_application_order_is_used_not_the_largest_amount_first() {
        // issue 15: '1500 off all' + '1000 off category 1' on two 1000-cent lines: 2,000 is reachable
        Order o = Order.of(0, new OrderLine(1, 1, 1, 1_000), new OrderLine(2, 2, 1, 1_000));
        CouponRule all = CouponRule.fullCut(1, 1_500, 0);
        CouponRule cat1 = CouponRule.fullCut(2, 1_000, 0).scopedTo(List.of(), List.of(1L));
        DiscountResult r = engine.calculate(o, List.of(all, cat1));
        assertThat(r.discountCents()).isEqualTo(2_000);
        assertThat(r.coupons()).extracting(CouponDiscount::couponId).containsExactly(2L, 1L);
        assertThat(r.coupons()).extracting(CouponDiscount::discountCents).containsExactly(1_000L, 1_000L);
        assertThat(engine.calculate(o, List.of(cat1, all))).isEqualTo(r);
    }

    @Test
    void swapping_two_order_lines_moves_their_allocations_and_changes_no_total() {
        // 100 off three lines of 303 leaves one leftover cent on a remainder tie; 15% of line a is then
        // 15% of 269 = 40.35 -> 40 or of 270 = 40.5 -> 41: the tie must not follow the line positions
        OrderLine a = new OrderLine(1, 1, 1, 303);
        OrderLine b = new OrderLine(2, 2, 1, 303);
        OrderLine c = new OrderLine(3, 2, 1, 303);
        CouponRule cut = CouponRule.fullCut(1, 100, 0);
        CouponRule pct = CouponRule.percentOff(2, 1_500, 0, null).scopedTo(List.of(), List.of(1L));
        DiscountResult abc = engine.calculate(Order.of(0, a, b, c), List.of(cut, pct));
        DiscountResult cba = engine.calculate(Order.of(0, c, b, a), List.of(cut, pct));
        assertThat(abc.discountCents()).isEqualTo(100 + 40);
        assertThat(cba.discountCents()).isEqualTo(abc.discountCents());
        assertThat(cba.lines()).extracting(LineAllocation::discountCents)
                .containsExactly(abc.lines().get(2).discountCents(), abc.lines().get(1).discountCents(),
                        abc.lines().get(0).discountCents());
    }
}
