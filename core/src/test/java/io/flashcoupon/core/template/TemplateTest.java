package io.flashcoupon.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.discount.CouponRule;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.StackingClass;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateTest {
    @Test
    void a_rule_built_from_a_template_carries_its_terms_and_default_class() {
        Template t = new Template(3, "15% off shoes", CouponType.PERCENT_OFF, 0, 1500, 2000, 800L, 10, 1, null, null,
                7, List.of(5L), List.of(2L), List.of(6L), List.of(9L), TemplateStatus.PUBLISHED, null, null);
        CouponRule r = t.couponRule(42);
        assertThat(r.couponId()).isEqualTo(42);
        assertThat(r.type()).isEqualTo(CouponType.PERCENT_OFF);
        assertThat(r.discountBps()).isEqualTo(1500);
        assertThat(r.minAmountCents()).isEqualTo(2000);
        assertThat(r.maxDiscountCents()).isEqualTo(800L);
        assertThat(r.applicableGoodsIds()).containsExactly(5L);
        assertThat(r.applicableCategoryIds()).containsExactly(2L);
        assertThat(r.excludedGoodsIds()).containsExactly(6L);
        assertThat(r.excludedCategoryIds()).containsExactly(9L);
        assertThat(r.stackingClass()).isEqualTo(StackingClass.PERCENT);
    }
}
