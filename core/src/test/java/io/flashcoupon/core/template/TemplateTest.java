package io.flashcoupon.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.discount.CouponRule;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.core.cache.CacheCodec;
import io.flashcoupon.discount.StackingClass;
import io.flashcoupon.discount.StackingRules;
import java.time.Instant;
import java.util.EnumSet;
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

    @Test
    void a_rule_carries_the_template_id_and_its_stacking_rules() {
        Template t = new Template(3, "exclusive", CouponType.FULL_CUT, 500, 0, 0, null, 10, 1, null, null,
                7, null, null, null, null, TemplateStatus.PUBLISHED, null, null)
                .withStacking(new Template.Stacking(true, 2, EnumSet.of(StackingClass.SHIPPING), 1_000));
        StackingRules s = t.couponRule(42).stacking();
        assertThat(s.templateId()).isEqualTo(3);
        assertThat(s.exclusive()).isTrue();
        assertThat(s.maxPerOrder()).isEqualTo(2);
        assertThat(s.combinesWith()).containsExactly(StackingClass.SHIPPING);
        assertThat(s.minPayableCents()).isEqualTo(1_000);
    }

    @Test
    void a_template_without_stacking_rules_stacks_once_per_order_with_every_class() {
        Template t = new Template(3, "plain", CouponType.FULL_CUT, 500, 0, 0, null, 10, 1, null, null,
                7, null, null, null, null, TemplateStatus.PUBLISHED, null, null);
        StackingRules s = t.couponRule(42).stacking();
        assertThat(s).isEqualTo(StackingRules.ofTemplate(3));
        assertThat(s.maxPerOrder()).isEqualTo(1);
        assertThat(s.combinesWith()).containsExactlyInAnyOrder(StackingClass.values());
    }

    @Test
    void the_l2_cache_codec_keeps_the_stacking_rules_and_reads_old_entries_as_defaults() {
        CacheCodec<Template> codec = new CacheCodec<>(Template.class);
        Template t = new Template(3, "x", CouponType.FULL_CUT, 500, 0, 0, null, 10, 1, null, null,
                7, null, null, null, null, TemplateStatus.PUBLISHED, Instant.EPOCH, Instant.EPOCH)
                .withStacking(new Template.Stacking(false, 3, EnumSet.of(StackingClass.AMOUNT), 250));
        assertThat(codec.decode(codec.encode(t))).isEqualTo(t);
        String old = codec.encode(t).replaceAll(",\"stacking\":\\{[^}]*\\}", "");
        assertThat(old).doesNotContain("stacking");
        assertThat(codec.decode(old).stacking()).isEqualTo(Template.Stacking.DEFAULT);
    }
}
