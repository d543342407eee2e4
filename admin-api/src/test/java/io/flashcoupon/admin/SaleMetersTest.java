package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.SaleStoreException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SaleMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Long> live = new ArrayList<>();
    private final Map<Long, SaleStore.SaleSnapshot> redis = new HashMap<>();
    private final Map<Long, Long> rows = new HashMap<>();
    private boolean mysqlDown;
    private final SaleMeters meters = new SaleMeters(() -> {
        if (mysqlDown) {
            throw new IllegalStateException("MySQL down");
        }
        return List.copyOf(live);
    }, id -> {
        SaleStore.SaleSnapshot s = redis.get(id);
        if (s == null) {
            throw new SaleStoreException("Redis down", null);
        }
        return s;
    }, id -> rows.getOrDefault(id, 0L), registry);

    private void sale(long id, ActivityStatus status, long total, long remaining, long granted, long materialized) {
        live.add(id);
        redis.put(id, new SaleStore.SaleSnapshot(true, status, remaining, total, granted));
        rows.put(id, materialized);
    }

    private Double value(String name, long id) {
        Gauge g = registry.find(name).tag("activity_id", Long.toString(id)).gauge();
        return g == null ? null : g.value();
    }

    @Test
    void every_live_sale_gets_its_figures_labelled_by_activity_id() {
        sale(7, ActivityStatus.ACTIVE, 100, 60, 40, 35);
        sale(8, ActivityStatus.ENDED, 10, 0, 10, 10);

        meters.sample();

        assertThat(value("coupon.sale.total.stock", 7)).isEqualTo(100);
        assertThat(value("coupon.sale.remaining.stock", 7)).isEqualTo(60);
        assertThat(value("coupon.sale.granted", 7)).isEqualTo(40);
        assertThat(value("coupon.sale.materialized", 7)).isEqualTo(35);
        assertThat(value("coupon.sale.status", 7)).isEqualTo(2);
        assertThat(value("coupon.sale.remaining.stock", 8)).as("sold out").isZero();
        assertThat(value("coupon.sale.status", 8)).isEqualTo(4);
    }

    @Test
    void a_sale_cleaned_up_disappears_and_new_figures_replace_old_ones() {
        sale(7, ActivityStatus.ACTIVE, 100, 60, 40, 35);
        sale(8, ActivityStatus.ACTIVE, 10, 5, 5, 5);
        meters.sample();
        live.remove(Long.valueOf(8));
        redis.put(7L, new SaleStore.SaleSnapshot(true, ActivityStatus.PAUSED, 50, 100, 50));

        meters.sample();

        assertThat(value("coupon.sale.remaining.stock", 8)).as("cleaned up").isNull();
        assertThat(value("coupon.sale.granted", 8)).isNull();
        assertThat(value("coupon.sale.remaining.stock", 7)).isEqualTo(50);
        assertThat(value("coupon.sale.status", 7)).isEqualTo(3);
    }

    @Test
    void a_sale_not_in_redis_or_unreadable_is_absent_rather_than_stale() {
        sale(7, ActivityStatus.ACTIVE, 100, 60, 40, 35);
        sale(8, ActivityStatus.ACTIVE, 10, 5, 5, 5);
        meters.sample();
        redis.remove(8L);
        redis.put(7L, new SaleStore.SaleSnapshot(false, ActivityStatus.ACTIVE, 0, 0, 0));

        meters.sample();

        assertThat(value("coupon.sale.remaining.stock", 7)).as("no sale in Redis").isNull();
        assertThat(value("coupon.sale.remaining.stock", 8)).as("read failed").isNull();
        assertThat(registry.find("coupon.sale.samples").tag("result", "failed").counter().count()).isEqualTo(1);
    }

    @Test
    void a_failed_list_of_live_sales_leaves_no_series() {
        sale(7, ActivityStatus.ACTIVE, 100, 60, 40, 35);
        meters.sample();
        mysqlDown = true;

        meters.sample();

        assertThat(value("coupon.sale.granted", 7)).isNull();
        assertThat(registry.find("coupon.sale.samples").tag("result", "failed").counter().count()).isEqualTo(1);
        assertThat(registry.find("coupon.sale.samples").tag("result", "ok").counter().count()).isEqualTo(1);
    }

    @Test
    void only_the_newest_sales_are_exported_when_more_are_live_than_the_bound() {
        LongStream.rangeClosed(1, SaleMeters.MAX_SALES + 20).forEach(id -> sale(id, ActivityStatus.ENDED, 1, 0, 1, 1));

        meters.sample();

        assertThat(registry.find("coupon.sale.granted").gauges()).hasSize(SaleMeters.MAX_SALES);
        assertThat(value("coupon.sale.granted", 20)).as("oldest left out").isNull();
        assertThat(value("coupon.sale.granted", 21)).isEqualTo(1);
        assertThat(value("coupon.sale.granted", SaleMeters.MAX_SALES + 20)).isEqualTo(1);
    }
    @Test
    void a_sale_live_in_consecutive_samples_keeps_its_series_and_they_follow_its_figures() {
        // a series removed and registered again every sample can be missing from a scrape that lands
        // between the two: Prometheus then marks it stale and a rule's `for:` starts over
        List<io.micrometer.core.instrument.Meter.Id> removed = new ArrayList<>();
        registry.config().onMeterRemoved(m -> removed.add(m.getId()));
        sale(7, ActivityStatus.ACTIVE, 100, 60, 40, 35);
        meters.sample();
        Gauge first = registry.find("coupon.sale.remaining.stock").tag("activity_id", "7").gauge();
        redis.put(7L, new SaleStore.SaleSnapshot(true, ActivityStatus.PAUSED, 50, 100, 50));
        rows.put(7L, 45L);

        meters.sample();

        assertThat(removed).as("no series of a still-live sale is removed").isEmpty();
        assertThat(registry.find("coupon.sale.remaining.stock").tag("activity_id", "7").gauge()).isSameAs(first);
        assertThat(first.value()).isEqualTo(50);
        assertThat(value("coupon.sale.status", 7)).isEqualTo(3);
        assertThat(value("coupon.sale.materialized", 7)).isEqualTo(45);
    }
}
