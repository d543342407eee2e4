package io.flashcoupon.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.discount.CouponType;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateRulesTest {
    static Template fullCut(long amount, long min, Instant start, Instant end, Integer days) {
        return new Template(0, "10 off 100", CouponType.FULL_CUT, amount, 0, min, null, 100, 1, start, end, days,
                null, null, null, null, TemplateStatus.PUBLISHED, null, null);
    }

    private static List<String> fields(Template t) {
        return TemplateRules.violations(t).stream().map(FieldError::field).toList();
    }

    @Test
    void a_valid_template_has_no_violations() {
        assertThat(TemplateRules.violations(fullCut(1000, 10000, null, null, 30))).isEmpty();
        Instant s = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(TemplateRules.violations(fullCut(1000, 0, s, s.plusSeconds(60), null))).isEmpty();
    }

    @Test
    void a_name_is_measured_in_characters_as_the_utf8mb4_column_is_not_in_utf_16_units() {
        String emoji = "\uD83C\uDF89"; // one character, two UTF-16 units
        Template t = fullCut(1000, 0, null, null, 30);

        assertThat(fields(named(t, emoji.repeat(TemplateRules.MAX_NAME)))).isEmpty();
        assertThat(fields(named(t, emoji.repeat(TemplateRules.MAX_NAME + 1)))).containsExactly("name");
    }

    private static Template named(Template t, String name) {
        return new Template(0, name, t.type(), t.discountAmountCents(), t.discountBps(), t.minAmountCents(),
                t.maxDiscountCents(), t.totalCount(), t.perUserLimit(), t.validStart(), t.validEnd(), t.validDays(),
                null, null, null, null, t.status(), null, null);
    }

    @Test
    void negative_amounts_name_their_fields() {
        assertThat(fields(fullCut(-1, 0, null, null, 30))).contains("discount_amount_cents");
        assertThat(fields(fullCut(100, -5, null, null, 30))).containsExactly("min_amount_cents");
    }

    @Test
    void end_before_start_names_valid_end() {
        Instant s = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(fields(fullCut(100, 0, s, s.minusSeconds(1), null))).containsExactly("valid_end");
    }

    @Test
    void validity_must_be_absolute_or_relative_not_both_nor_neither() {
        Instant s = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(fields(fullCut(100, 0, s, s.plusSeconds(5), 3))).containsExactly("valid_days");
        assertThat(fields(fullCut(100, 0, null, null, null))).containsExactly("valid_days");
        assertThat(fields(fullCut(100, 0, s, null, null))).containsExactly("valid_end");
    }

    @Test
    void percent_off_needs_basis_points_below_100_percent() {
        Template t = new Template(0, "15%", CouponType.PERCENT_OFF, 0, 10_000, 0, 500L, 10, 1, null, null, 7,
                null, null, null, null, TemplateStatus.PUBLISHED, null, null);
        assertThat(fields(t)).containsExactly("discount_bps");
    }
}
