package io.flashcoupon.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.discount.CouponType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PublishedTemplatePagesTest {
    final AtomicInteger loads = new AtomicInteger();
    final AtomicReference<String> name = new AtomicReference<>("v1");
    final AtomicReference<Runnable> duringLoad = new AtomicReference<>(() -> { });

    PublishedTemplatePages pages = new PublishedTemplatePages((before, size) -> {
        loads.incrementAndGet();
        duringLoad.get().run();
        return List.of(template(name.get()));
    }, Duration.ofMinutes(1), 100);

    static Template template(String name) {
        return new Template(1, name, CouponType.FULL_CUT, 500, 0, 0, null, 100, 1, null, null, 30, null, null, null,
                null, TemplateStatus.PUBLISHED, null, null);
    }

    @Test
    void a_page_is_loaded_once_until_a_template_changes() {
        assertThat(pages.page(0, 50)).extracting(Template::name).containsExactly("v1");
        assertThat(pages.page(0, 50)).extracting(Template::name).containsExactly("v1");
        assertThat(pages.page(0, 20)).as("another page is another entry").hasSize(1);
        assertThat(loads).hasValue(2);

        name.set("v2");
        pages.invalidateAll();
        assertThat(pages.page(0, 50)).extracting(Template::name).containsExactly("v2");
        assertThat(pages.loads()).isEqualTo(3);
    }

    @Test
    void a_load_overtaken_by_an_invalidation_is_answered_but_not_kept() {
        duringLoad.set(() -> pages.invalidateAll());
        assertThat(pages.page(0, 50)).extracting(Template::name).containsExactly("v1");
        duringLoad.set(() -> { });
        name.set("v2");
        assertThat(pages.page(0, 50)).extracting(Template::name).containsExactly("v2");
        assertThat(loads).hasValue(2);
    }
}
