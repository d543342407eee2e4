package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ActivityCacheTest {

    @Test
    void lookups_are_metered_as_hits_and_misses_of_the_l1_activity_cache() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ActivityCache cache = new ActivityCache(id -> Optional.empty(), Duration.ofMinutes(1));
        cache.bindTo(registry);

        cache.find(1);
        cache.find(1);
        cache.find(1);
        cache.find(2);

        assertThat(requests(registry, "hit")).isEqualTo(2.0);
        assertThat(requests(registry, "miss")).as("unknown ids are cached too").isEqualTo(2.0);
        assertThat(registry.get("coupon.cache.size").tag("cache", "activity").gauge().value()).isEqualTo(2.0);
    }

    private static double requests(SimpleMeterRegistry registry, String result) {
        return registry.get("coupon.cache.requests").tags("cache", "activity", "level", "l1", "result", result)
                .functionCounter().count();
    }
}
