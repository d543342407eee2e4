package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.StackingClass;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TemplateRequestTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final Instant START = Instant.parse("2030-02-01T00:00:00Z");
    private static final Instant END = Instant.parse("2030-03-01T00:00:00Z");

    private static TemplateRequest fullCut(Long amount, Long min, Integer total, Instant start, Instant end) {
        return new TemplateRequest("5 off 50", CouponType.FULL_CUT, amount, null, min, null, total, null,
                start, end, null, null, null, null, null, null, null);
    }

    private static List<String> fieldsOf(TemplateRequest r) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> r.toTemplate(NOW));
        assertThat(e).isNotNull();
        return e.errors().stream().map(FieldError::field).toList();
    }

    @Test
    void absent_optional_fields_take_their_defaults() {
        Template t = fullCut(500L, null, 100, START, END).toTemplate(NOW);

        assertThat(t.id()).isZero();
        assertThat(t.perUserLimit()).isEqualTo(1);
        assertThat(t.status()).isEqualTo(TemplateStatus.PUBLISHED);
        assertThat(t.minAmountCents()).isZero();
        assertThat(t.discountBps()).isZero();
        assertThat(t.maxDiscountCents()).isNull();
        assertThat(t.applicableGoodsIds()).isEmpty();
        assertThat(t.createdAt()).isEqualTo(NOW);
        assertThat(t.stacking()).isEqualTo(Template.Stacking.DEFAULT);
        assertThat(t.stacking().maxPerOrder()).isEqualTo(1);
        assertThat(t.stacking().combinesWith()).containsExactlyInAnyOrder(StackingClass.values());
    }

    @Test
    void stacking_rules_are_kept_and_absent_ones_default() {
        TemplateRequest r = new TemplateRequest("x", CouponType.FULL_CUT, 500L, null, null, null, 5, null,
                null, null, 7, null, null, null, null, null,
                new TemplateRequest.StackingRequest(true, null, Set.of(StackingClass.SHIPPING), 1_000L));

        Template.Stacking s = r.toTemplate(NOW).stacking();

        assertThat(s.exclusive()).isTrue();
        assertThat(s.maxPerOrder()).isEqualTo(1);
        assertThat(s.combinesWith()).containsExactly(StackingClass.SHIPPING);
        assertThat(s.minPayableCents()).isEqualTo(1_000L);
    }

    @Test
    void stacking_limits_out_of_range_are_named() {
        TemplateRequest r = new TemplateRequest("x", CouponType.FULL_CUT, 500L, null, null, null, 5, null,
                null, null, 7, null, null, null, null, null,
                new TemplateRequest.StackingRequest(null, 0, null, -1L));

        assertThat(fieldsOf(r)).containsExactly("stacking.max_per_order", "stacking.min_payable_cents");
    }

    @Test
    void negative_amounts_are_named() {
        TemplateRequest r = new TemplateRequest("x", CouponType.PERCENT_OFF, -1L, 1000, -5L, -7L, 10, 1,
                null, null, 30, null, null, null, null, null, null);

        assertThat(fieldsOf(r)).contains("discount_amount_cents", "min_amount_cents", "max_discount_cents");
    }

    @Test
    void validity_ending_before_it_starts_is_refused_on_valid_end() {
        assertThat(fieldsOf(fullCut(500L, 0L, 10, END, START))).containsExactly("valid_end");
    }

    @Test
    void missing_total_count_is_reported_once() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> fullCut(500L, 0L, null, START, END).toTemplate(NOW));

        assertThat(e.errors()).containsExactly(new FieldError("total_count", "must be set"));
    }

    @Test
    void every_violation_is_listed_at_once() {
        TemplateRequest r = new TemplateRequest("", null, null, null, null, null, 0, 0, null, null, null,
                null, null, null, null, null, null);

        assertThat(fieldsOf(r)).contains("name", "type", "total_count", "per_user_limit", "valid_days");
    }

    @Test
    void explicit_status_and_limit_are_kept() {
        TemplateRequest r = new TemplateRequest("x", CouponType.FREE_SHIPPING, null, null, null, 800L, 5, 3,
                null, null, 7, List.of(1L), null, List.of(2L), null, TemplateStatus.DRAFT, null);

        Template t = r.toTemplate(NOW);

        assertThat(t.status()).isEqualTo(TemplateStatus.DRAFT);
        assertThat(t.perUserLimit()).isEqualTo(3);
        assertThat(t.maxDiscountCents()).isEqualTo(800L);
        assertThat(t.excludedGoodsIds()).containsExactly(2L);
    }
}
