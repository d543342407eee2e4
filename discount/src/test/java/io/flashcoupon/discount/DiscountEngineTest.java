package io.flashcoupon.discount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.discount.DiscountException.Problem;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class DiscountEngineTest {
    private final DiscountEngine engine = new DiscountEngine();

    static OrderLine line(long goods, long category, int qty, long unit) {
        return new OrderLine(goods, category, qty, unit);
    }

    static Order order(long shipping, OrderLine... lines) {
        return Order.of(shipping, lines);
    }

    private DiscountResult calc(Order order, CouponRule... coupons) {
        return engine.calculate(order, List.of(coupons));
    }

    private static List<Long> lineCents(DiscountResult r) {
        return r.lines().stream().map(LineAllocation::discountCents).toList();
    }

    private static void refused(ThrowingCallable call, Problem problem, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(DiscountException.class, e -> {
            assertThat(e.problem()).isEqualTo(problem);
            assertThat(e).hasMessageContaining(message);
        });
    }

    // ------------------------------------------------------------------ order validation

    @Test
    void an_order_without_lines_is_refused() {
        refused(() -> new Order(List.of(), 0), Problem.EMPTY_ORDER, "order has no lines");
        refused(() -> new Order(null, 0), Problem.EMPTY_ORDER, "order has no lines");
    }

    @Test
    void negative_or_zero_quantities_negative_prices_and_shipping_name_the_line() {
        refused(() -> order(0, line(1, 1, 1, 100), line(2, 1, -1, 100)), Problem.NEGATIVE_AMOUNT,
                "line 1: quantity must be positive, was -1");
        refused(() -> order(0, line(1, 1, 0, 100)), Problem.NEGATIVE_AMOUNT, "line 0: quantity must be positive");
        refused(() -> order(0, line(1, 1, 1, -5)), Problem.NEGATIVE_AMOUNT,
                "line 0: unit price must not be negative, was -5");
        refused(() -> order(-1, line(1, 1, 1, 5)), Problem.NEGATIVE_AMOUNT, "shipping fee must not be negative, was -1");
    }

    @Test
    void amounts_that_overflow_a_long_are_refused_not_wrapped() {
        refused(() -> order(0, line(1, 1, 3, Long.MAX_VALUE / 2)), Problem.OVERFLOW, "line 0: line amount overflows");
        refused(() -> order(0, line(1, 1, 1, Long.MAX_VALUE), line(2, 1, 1, 1)), Problem.OVERFLOW,
                "goods subtotal overflows");
        refused(() -> order(1, line(1, 1, 1, Long.MAX_VALUE)), Problem.OVERFLOW, "order total overflows");
    }

    @Test
    void a_free_line_is_allowed() {
        DiscountResult r = calc(order(0, line(1, 1, 2, 0), line(2, 1, 1, 1000)), CouponRule.fullCut(1, 300, 0));
        assertThat(lineCents(r)).containsExactly(0L, 300L);
    }

    // ------------------------------------------------------------------ rule validation

    @Test
    void malformed_coupon_rules_are_refused_with_their_id() {
        refused(() -> CouponRule.fullCut(7, 0, 0), Problem.INVALID_RULE, "coupon 7: FULL_CUT needs a positive");
        refused(() -> CouponRule.percentOff(8, 0, 0, null), Problem.INVALID_RULE, "discount_bps in 1..10000, was 0");
        refused(() -> CouponRule.percentOff(8, 10_001, 0, null), Problem.INVALID_RULE, "was 10001");
        refused(() -> CouponRule.fullCut(9, 100, -1), Problem.INVALID_RULE, "must not be negative");
        refused(() -> CouponRule.freeShipping(9, 0, -1L), Problem.INVALID_RULE, "must not be negative");
    }

    @Test
    void engine_settings_are_checked() {
        refused(() -> new DiscountEngine(0), Problem.INVALID_SETTING, "max stack count must be between 1 and 6");
        refused(() -> new DiscountEngine(7), Problem.INVALID_SETTING, "max stack count must be between 1 and 6");
        refused(() -> new DiscountEngine(5, java.time.Duration.ZERO, () -> 0L), Problem.INVALID_SETTING,
                "search budget must be positive");
    }

    // ------------------------------------------------------------------ coupon set validation

    @Test
    void a_coupon_listed_twice_is_refused_not_counted_twice() {
        CouponRule c = CouponRule.fullCut(5, 100, 0);
        refused(() -> calc(order(0, line(1, 1, 1, 1000)), c, c), Problem.DUPLICATE_COUPON, "coupon 5 is listed twice");
        refused(() -> engine.availability(order(0, line(1, 1, 1, 1000)), List.of(c, c)), Problem.DUPLICATE_COUPON,
                "coupon 5 appears twice in the wallet");
        refused(() -> engine.bestCombination(order(0, line(1, 1, 1, 1000)), List.of(c, c)), Problem.DUPLICATE_COUPON,
                "coupon 5 appears twice in the wallet");
    }

    @Test
    void more_coupons_than_the_stack_limit_are_refused() {
        Order o = order(0, line(1, 1, 1, 100_000));
        CouponRule[] six = new CouponRule[6];
        for (int i = 0; i < 6; i++) {
            six[i] = CouponRule.fullCut(i + 1, 100, 0);
        }
        refused(() -> calc(o, six), Problem.TOO_MANY_COUPONS, "6 coupons exceed the limit of 5 per order");
        DiscountEngine two = new DiscountEngine(2);
        refused(() -> two.calculate(o, List.of(six[0], six[1], six[2])), Problem.TOO_MANY_COUPONS,
                "3 coupons exceed the limit of 2");
        assertThat(calc(o, six[0], six[1], six[2], six[3], six[4]).discountCents()).isEqualTo(500);
    }

    @Test
    void two_percentages_or_two_shipping_coupons_do_not_combine() {
        Order o = order(500, line(1, 1, 1, 10_000));
        refused(() -> calc(o, CouponRule.percentOff(3, 1000, 0, null), CouponRule.fullCut(4, 100, 0),
                CouponRule.percentOff(9, 500, 0, null)), Problem.NOT_COMBINABLE,
                "at most 1 PERCENT coupon per order, got coupons [3, 9]");
        refused(() -> calc(o, CouponRule.freeShipping(3, 0, null), CouponRule.freeShipping(4, 0, null)),
                Problem.NOT_COMBINABLE, "at most 1 SHIPPING coupon per order, got coupons [3, 4]");
    }

    @Test
    void one_of_each_class_and_several_amount_coupons_combine() {
        DiscountResult r = calc(order(500, line(1, 1, 1, 10_000)), CouponRule.fullCut(1, 1000, 0),
                CouponRule.fullCut(2, 500, 0), CouponRule.percentOff(3, 1000, 0, null),
                CouponRule.freeShipping(4, 0, null));
        // 1000 + 500 off, then 10% of the 8500 left = 850, then shipping 500
        assertThat(r.discountCents()).isEqualTo(1000 + 500 + 850 + 500);
    }

    // ------------------------------------------------------------------ full-cut and thresholds

    @Test
    void full_cut_applies_when_the_eligible_subtotal_reaches_the_threshold_exactly() {
        DiscountResult r = calc(order(0, line(1, 1, 2, 5000)), CouponRule.fullCut(1, 1000, 10_000));
        assertThat(r.discountCents()).isEqualTo(1000);
        assertThat(r.finalCents()).isEqualTo(9000);
        assertThat(r.coupons().get(0).verdict()).isEqualTo(Verdict.APPLIED);
        assertThat(r.coupons().get(0).reason()).isEqualTo("1000 off (threshold 10000 reached)");
    }

    @Test
    void threshold_not_reached_contributes_zero_with_the_missing_amount() {
        DiscountResult r = calc(order(0, line(1, 1, 1, 7500)), CouponRule.fullCut(1, 1000, 10_000));
        assertThat(r.discountCents()).isZero();
        CouponDiscount c = r.coupons().get(0);
        assertThat(c.verdict()).isEqualTo(Verdict.THRESHOLD_NOT_REACHED);
        assertThat(c.reason()).isEqualTo("threshold 10000 not reached by 2500 cents");
    }

    @Test
    void threshold_counts_only_the_eligible_lines_not_the_order_total() {
        Order o = order(0, line(1, 1, 1, 6000), line(2, 2, 1, 20_000));
        CouponRule onCategory1 = CouponRule.fullCut(1, 1000, 10_000).scopedTo(List.of(), List.of(1L));
        DiscountResult r = calc(o, onCategory1);
        assertThat(r.coupons().get(0).reason()).isEqualTo("threshold 10000 not reached by 4000 cents");
    }

    @Test
    void thresholds_are_measured_before_any_discount() {
        // Both need 10000; the first takes 1000 off, the second still counts the full 10000.
        DiscountResult r = calc(order(0, line(1, 1, 1, 10_000)), CouponRule.fullCut(1, 1000, 10_000),
                CouponRule.fullCut(2, 500, 10_000));
        assertThat(r.discountCents()).isEqualTo(1500);
    }

    @Test
    void full_cut_never_takes_more_than_the_eligible_goods() {
        DiscountResult r = calc(order(800, line(1, 1, 1, 300)), CouponRule.fullCut(1, 1000, 0));
        assertThat(r.discountCents()).isEqualTo(300);
        assertThat(r.finalCents()).isEqualTo(800);
        assertThat(r.coupons().get(0).reason()).isEqualTo("1000 off, limited to the 300 cents left on eligible goods");
    }

    @Test
    void a_later_full_cut_only_gets_what_earlier_ones_left_on_its_lines() {
        Order o = order(0, line(1, 1, 1, 100), line(2, 2, 1, 900));
        CouponRule big = CouponRule.fullCut(1, 900, 0).scopedTo(List.of(), List.of(2L));
        CouponRule small = CouponRule.fullCut(2, 150, 0);
        DiscountResult r = calc(o, small, big);
        assertThat(r.coupons()).extracting(CouponDiscount::couponId).containsExactly(1L, 2L);
        assertThat(r.coupons()).extracting(CouponDiscount::discountCents).containsExactly(900L, 100L);
        assertThat(lineCents(r)).containsExactly(100L, 900L);
        assertThat(r.finalCents()).isZero();
    }

    @Test
    void a_coupon_with_nothing_left_to_discount_says_so() {
        Order o = order(0, line(1, 1, 1, 500));
        DiscountResult r = calc(o, CouponRule.fullCut(1, 500, 0), CouponRule.fullCut(2, 100, 0));
        assertThat(r.coupons().get(1).discountCents()).isZero();
        assertThat(r.coupons().get(1).verdict()).isEqualTo(Verdict.NOTHING_TO_DISCOUNT);
        assertThat(r.coupons().get(1).reason()).isEqualTo("nothing left to discount on eligible goods");
    }

    @Test
    void the_final_amount_never_goes_below_zero() {
        DiscountResult r = calc(order(200, line(1, 1, 1, 300), line(2, 1, 1, 1)), CouponRule.fullCut(1, 5000, 0),
                CouponRule.fullCut(2, 5000, 0), CouponRule.percentOff(3, 10_000, 0, null),
                CouponRule.freeShipping(4, 0, null));
        assertThat(r.discountCents()).isEqualTo(r.originalCents());
        assertThat(r.finalCents()).isZero();
    }

    // ------------------------------------------------------------------ percent off

    @Test
    void percent_rounds_half_up_to_the_cent() {
        // 15% of 333 = 49.95 -> 50; 15% of 330 = 49.5 -> 50; 15% of 329 = 49.35 -> 49
        assertThat(calc(order(0, line(1, 1, 1, 333)), CouponRule.percentOff(1, 1500, 0, null)).discountCents())
                .isEqualTo(50);
        assertThat(calc(order(0, line(1, 1, 1, 330)), CouponRule.percentOff(1, 1500, 0, null)).discountCents())
                .isEqualTo(50);
        assertThat(calc(order(0, line(1, 1, 1, 329)), CouponRule.percentOff(1, 1500, 0, null)).discountCents())
                .isEqualTo(49);
        assertThat(calc(order(0, line(1, 1, 1, 329)), CouponRule.percentOff(1, 1500, 0, null)).coupons().get(0)
                .reason()).isEqualTo("15% of 329 = 49");
    }

    @Test
    void a_percentage_that_rounds_to_zero_saves_nothing() {
        CouponDiscount c = calc(order(0, line(1, 1, 1, 3)), CouponRule.percentOff(1, 1250, 0, null)).coupons().get(0);
        assertThat(c.discountCents()).isZero();
        assertThat(c.verdict()).isEqualTo(Verdict.NOTHING_TO_DISCOUNT);
        assertThat(c.reason()).isEqualTo("12.5% of 3 = 0 (rounds to 0)");
    }

    @Test
    void percent_cap_limits_the_discount() {
        DiscountResult r = calc(order(0, line(1, 1, 1, 10_000)), CouponRule.percentOff(1, 2000, 0, 1500L));
        assertThat(r.discountCents()).isEqualTo(1500);
        assertThat(r.coupons().get(0).reason()).isEqualTo("20% of 10000 = 2000, capped at 1500");
    }

    @Test
    void rounding_never_lifts_a_percentage_above_its_cap_or_the_eligible_amount() {
        // 33.33% of 1 cent rounds to 0; 99.99% of 1 cent rounds to 1 = the whole line, not more.
        assertThat(calc(order(0, line(1, 1, 1, 1)), CouponRule.percentOff(1, 9999, 0, null)).discountCents())
                .isEqualTo(1);
        assertThat(calc(order(0, line(1, 1, 1, 1)), CouponRule.percentOff(1, 3333, 0, null)).discountCents())
                .isZero();
        // 15% of 1999 = 299.85 -> 300, capped at 299
        assertThat(calc(order(0, line(1, 1, 1, 1999)), CouponRule.percentOff(1, 1500, 0, 299L)).discountCents())
                .isEqualTo(299);
    }

    @Test
    void percent_applies_to_what_the_full_cuts_left() {
        DiscountResult r = calc(order(0, line(1, 1, 1, 10_000)), CouponRule.percentOff(1, 1000, 0, null),
                CouponRule.fullCut(2, 1000, 0));
        assertThat(r.coupons()).extracting(CouponDiscount::couponId).containsExactly(2L, 1L);
        assertThat(r.coupons()).extracting(CouponDiscount::discountCents).containsExactly(1000L, 900L);
    }

    @Test
    void a_cap_of_zero_saves_nothing() {
        CouponDiscount c = calc(order(0, line(1, 1, 1, 1000)), CouponRule.percentOff(1, 1000, 0, 0L)).coupons().get(0);
        assertThat(c.discountCents()).isZero();
        assertThat(c.verdict()).isEqualTo(Verdict.NOTHING_TO_DISCOUNT);
    }

    // ------------------------------------------------------------------ free shipping

    @Test
    void free_shipping_waives_the_fee_and_is_not_allocated_to_lines() {
        DiscountResult r = calc(order(800, line(1, 1, 1, 1000)), CouponRule.freeShipping(1, 0, null));
        assertThat(r.shippingDiscountCents()).isEqualTo(800);
        assertThat(r.goodsDiscountCents()).isZero();
        assertThat(lineCents(r)).containsExactly(0L);
        CouponDiscount c = r.coupons().get(0);
        assertThat(c.shipping()).isTrue();
        assertThat(c.allocations()).isEmpty();
        assertThat(c.reason()).isEqualTo("shipping fee 800 waived");
        assertThat(r.finalCents()).isEqualTo(1000);
    }

    @Test
    void free_shipping_cap_limits_the_waiver() {
        DiscountResult r = calc(order(1200, line(1, 1, 1, 1000)), CouponRule.freeShipping(1, 0, 500L));
        assertThat(r.shippingDiscountCents()).isEqualTo(500);
        assertThat(r.coupons().get(0).reason()).isEqualTo("500 of shipping fee 1200 waived (cap 500)");
    }

    @Test
    void free_shipping_needs_its_threshold_on_eligible_goods_and_a_fee() {
        CouponDiscount notReached = calc(order(800, line(1, 1, 1, 1000)), CouponRule.freeShipping(1, 3000, null))
                .coupons().get(0);
        assertThat(notReached.reason()).isEqualTo("threshold 3000 not reached by 2000 cents");
        CouponDiscount noFee = calc(order(0, line(1, 1, 1, 1000)), CouponRule.freeShipping(1, 0, null)).coupons().get(0);
        assertThat(noFee.verdict()).isEqualTo(Verdict.NOTHING_TO_DISCOUNT);
        assertThat(noFee.reason()).isEqualTo("no shipping fee left to discount");
    }

    // ------------------------------------------------------------------ scopes

    @Test
    void scope_by_goods_and_category_is_an_intersection_and_exclusions_win() {
        Order o = order(0, line(1, 10, 1, 1000), line(2, 10, 1, 1000), line(3, 20, 1, 1000), line(4, 10, 1, 1000));
        CouponRule all = CouponRule.fullCut(1, 3000, 0);
        assertThat(lineCents(calc(o, all.scopedTo(List.of(1L, 3L), List.of()))))
                .containsExactly(1000L, 0L, 1000L, 0L);
        assertThat(lineCents(calc(o, all.scopedTo(List.of(), List.of(10L))))).containsExactly(1000L, 1000L, 0L, 1000L);
        assertThat(lineCents(calc(o, all.scopedTo(List.of(1L, 3L), List.of(10L)))))
                .containsExactly(1000L, 0L, 0L, 0L);
        assertThat(lineCents(calc(o, all.scopedTo(List.of(), List.of(10L)).excluding(List.of(2L), List.of()))))
                .containsExactly(1000L, 0L, 0L, 1000L);
        assertThat(lineCents(calc(o, all.excluding(List.of(), List.of(10L))))).containsExactly(0L, 0L, 1000L, 0L);
        assertThat(lineCents(calc(o, all.scopedTo(List.of(1L), List.of()).excluding(List.of(1L), List.of()))))
                .containsExactly(0L, 0L, 0L, 0L);
    }

    @Test
    void a_coupon_with_no_line_in_scope_says_no_eligible_goods() {
        CouponDiscount c = calc(order(0, line(1, 1, 1, 1000)), CouponRule.fullCut(1, 100, 0).scopedTo(List.of(), List.of(2L)))
                .coupons().get(0);
        assertThat(c.discountCents()).isZero();
        assertThat(c.verdict()).isEqualTo(Verdict.NO_ELIGIBLE_GOODS);
        assertThat(c.reason()).isEqualTo("no eligible goods");
    }

    // ------------------------------------------------------------------ allocation

    @Test
    void one_hundred_cents_over_three_equal_lines_is_34_33_33() {
        DiscountResult r = calc(order(0, line(1, 1, 1, 1000), line(2, 1, 1, 1000), line(3, 1, 1, 1000)),
                CouponRule.fullCut(1, 100, 0));
        assertThat(lineCents(r)).containsExactly(34L, 33L, 33L);
        assertThat(r.coupons().get(0).allocations()).containsExactly(new LineAllocation(0, 34),
                new LineAllocation(1, 33), new LineAllocation(2, 33));
    }

    @Test
    void allocation_is_proportional_to_the_line_amounts() {
        DiscountResult r = calc(order(0, line(1, 1, 1, 100), line(2, 1, 2, 100), line(3, 1, 7, 100)),
                CouponRule.fullCut(1, 100, 0));
        assertThat(lineCents(r)).containsExactly(10L, 20L, 70L);
    }

    @Test
    void leftover_cents_go_to_the_largest_remainders_then_the_lower_index() {
        // 5 over 3, 3, 4: exact shares 1.5, 1.5, 2 -> floors 1, 1, 2, one cent left, tie -> line 0
        assertThat(lineCents(calc(order(0, line(1, 1, 1, 3), line(2, 1, 1, 3), line(3, 1, 1, 4)),
                CouponRule.fullCut(1, 5, 0)))).containsExactly(2L, 1L, 2L);
        // 2 over three equal lines: 0.67 each -> 1, 1, 0
        assertThat(lineCents(calc(order(0, line(1, 1, 1, 10), line(2, 1, 1, 10), line(3, 1, 1, 10)),
                CouponRule.fullCut(1, 2, 0)))).containsExactly(1L, 1L, 0L);
        // 10 over 1, 1, 98: 0.1, 0.1, 9.8 -> 0, 0, 9 and the cent to line 2 (largest remainder)
        assertThat(lineCents(calc(order(0, line(1, 1, 1, 1), line(2, 1, 1, 1), line(3, 1, 1, 98)),
                CouponRule.fullCut(1, 10, 0)))).containsExactly(0L, 0L, 10L);
    }

    @Test
    void allocation_of_huge_amounts_is_exact() {
        long half = 4_000_000_000_000_000_000L;
        DiscountResult r = calc(order(0, line(1, 1, 1, half), line(2, 1, 1, half)),
                CouponRule.fullCut(1, 3_000_000_000_000_000_001L, 0));
        assertThat(lineCents(r)).containsExactly(1_500_000_000_000_000_001L, 1_500_000_000_000_000_000L);
        DiscountResult p = calc(order(0, line(1, 1, 1, Long.MAX_VALUE)), CouponRule.percentOff(1, 10_000, 0, null));
        assertThat(p.discountCents()).isEqualTo(Long.MAX_VALUE);
        assertThat(p.finalCents()).isZero();
    }

    @Test
    void per_line_totals_add_up_over_several_coupons() {
        Order o = order(300, line(1, 1, 3, 333), line(2, 2, 1, 1001), line(3, 1, 2, 77));
        DiscountResult r = calc(o, CouponRule.fullCut(1, 500, 0), CouponRule.percentOff(2, 1700, 0, null),
                CouponRule.fullCut(3, 250, 0).scopedTo(List.of(), List.of(1L)), CouponRule.freeShipping(4, 0, 100L));
        long lines = r.lines().stream().mapToLong(LineAllocation::discountCents).sum();
        assertThat(lines).isEqualTo(r.goodsDiscountCents());
        for (CouponDiscount c : r.coupons()) {
            assertThat(c.allocations().stream().mapToLong(LineAllocation::discountCents).sum())
                    .isEqualTo(c.shipping() ? 0 : c.discountCents());
        }
        assertThat(r.discountCents()).isEqualTo(r.goodsDiscountCents() + r.shippingDiscountCents());
        assertThat(r.finalCents()).isEqualTo(r.originalCents() - r.discountCents());
        assertThat(r.shippingDiscountCents()).isEqualTo(100);
    }

    // ------------------------------------------------------------------ order of application

    @Test
    void coupons_apply_full_cuts_by_amount_then_percentages_then_shipping_whatever_the_request_order() {
        Order o = order(500, line(1, 1, 1, 10_000));
        DiscountResult r = calc(o, CouponRule.freeShipping(9, 0, null), CouponRule.percentOff(8, 1000, 0, null),
                CouponRule.fullCut(7, 200, 0), CouponRule.fullCut(3, 700, 0), CouponRule.fullCut(5, 200, 0));
        assertThat(r.coupons()).extracting(CouponDiscount::couponId).containsExactly(3L, 5L, 7L, 8L, 9L);
    }

    @Test
    void on_equal_amounts_the_narrower_coupon_applies_first_whatever_the_ids() {
        // Cat-1 line 500, cat-2 line 1000. Narrow first: 500 off cat 1, then 500 off the rest = 1000.
        // Broad first would spread 167/333 and leave the narrow coupon only 333.
        Order o = order(0, line(1, 1, 1, 500), line(2, 2, 1, 1000));
        DiscountResult r = calc(o, CouponRule.fullCut(1, 500, 0),
                CouponRule.fullCut(9, 500, 0).scopedTo(List.of(), List.of(1L)));
        assertThat(r.coupons()).extracting(CouponDiscount::couponId).containsExactly(9L, 1L);
        assertThat(r.discountCents()).isEqualTo(1000);
    }

    @Test
    void on_equal_rates_the_larger_cap_applies_first_whatever_the_ids() {
        Order o = order(0, line(1, 1, 1, 10_006));
        CouponRule capped = CouponRule.percentOff(1, 1000, 0, 100L).inClass(StackingClass.AMOUNT);
        CouponRule uncapped = CouponRule.percentOff(2, 1000, 0, null);
        DiscountResult r = calc(o, capped, uncapped);
        assertThat(r.coupons()).extracting(CouponDiscount::couponId).containsExactly(2L, 1L);
        assertThat(r.coupons()).extracting(CouponDiscount::discountCents).containsExactly(1001L, 100L);
    }

    // ------------------------------------------------------------------ availability

    @Test
    void availability_gives_each_coupon_its_verdict_reason_and_stand_alone_discount() {
        Order o = order(600, line(1, 1, 1, 8000), line(2, 2, 1, 2000));
        List<Availability> a = engine.availability(o, List.of(CouponRule.fullCut(1, 1000, 5000),
                CouponRule.fullCut(2, 1000, 20_000), CouponRule.percentOff(3, 1000, 0, null).scopedTo(List.of(),
                        List.of(3L)), CouponRule.freeShipping(4, 0, null), CouponRule.percentOff(5, 2000, 0, 1500L)));
        assertThat(a).containsExactly(
                new Availability(1, true, 1000, Verdict.APPLIED, "1000 off (threshold 5000 reached)"),
                new Availability(2, false, 0, Verdict.THRESHOLD_NOT_REACHED,
                        "threshold 20000 not reached by 10000 cents"),
                new Availability(3, false, 0, Verdict.NO_ELIGIBLE_GOODS, "no eligible goods"),
                new Availability(4, true, 600, Verdict.APPLIED, "shipping fee 600 waived"),
                new Availability(5, true, 1500, Verdict.APPLIED, "20% of 10000 = 2000, capped at 1500"));
    }
}
