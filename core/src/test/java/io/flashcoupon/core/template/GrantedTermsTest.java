package io.flashcoupon.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.discount.CouponType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GrantedTermsTest {
    private static Template terms(long id, long cents) {
        return new Template(id, "t", CouponType.FULL_CUT, cents, 0, 0, null, 10, 1, null, null, 7,
                null, null, null, null, TemplateStatus.PUBLISHED, null, null);
    }

    private final Map<String, Template> versions = new HashMap<>();
    private final Map<Long, Integer> pins = new HashMap<>();
    private final AtomicInteger versionReads = new AtomicInteger();
    private final AtomicInteger pinReads = new AtomicInteger();
    private final GrantedTerms granted = new GrantedTerms((id, v) -> {
        versionReads.incrementAndGet();
        return Optional.ofNullable(versions.get(id + "/" + v));
    }, activity -> {
        pinReads.incrementAndGet();
        Integer v = pins.get(activity);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }, 100);

    @Test
    void each_version_keeps_its_own_terms_and_is_read_from_the_store_once() {
        versions.put("1/1", terms(1, 500));
        versions.put("1/2", terms(1, 900));
        assertThat(granted.find(1, 1)).get().extracting(Template::discountAmountCents).isEqualTo(500L);
        assertThat(granted.find(1, 2)).get().extracting(Template::discountAmountCents).isEqualTo(900L);
        assertThat(granted.find(1, 1)).get().extracting(Template::discountAmountCents).isEqualTo(500L);
        assertThat(versionReads).hasValue(2);
    }

    @Test
    void an_unknown_version_is_asked_again_until_it_exists() {
        assertThat(granted.find(1, 3)).isEmpty();
        versions.put("1/3", terms(1, 700));
        assertThat(granted.find(1, 3)).isPresent();
        assertThat(versionReads).hasValue(2);
    }

    @Test
    void a_sale_not_pinned_yet_is_asked_again_and_a_pin_once_seen_is_kept() {
        assertThat(granted.saleVersion(9)).isEmpty();
        pins.put(9L, 4);
        assertThat(granted.saleVersion(9)).hasValue(4);
        pins.put(9L, 5); // never happens (a pin is never changed); shows the pin is not read again
        assertThat(granted.saleVersion(9)).hasValue(4);
        assertThat(pinReads).hasValue(2);
    }
}
