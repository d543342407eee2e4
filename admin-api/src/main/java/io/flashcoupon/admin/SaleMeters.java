package io.flashcoupon.admin;

import io.flashcoupon.core.sale.SaleStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-sale gauges for Prometheus and Grafana, labelled {@code activity_id}: the figures the admin API's
 * live view shows (Redis stock, total and ledger size from one snapshot call; the rows the sink counted
 * in sale_row_counts) for every live sale - started and not cleaned up, the list the fence and the
 * publication relay keep. Each {@link #sample} replaces all rows, so a cleaned-up sale's series are gone
 * from the next sample on, and a sale that could not be read is absent (not stale) for that sample.
 * Cost per sample: one MySQL query for the list, then per sale one Redis call and one primary-key row
 * read. At most {@link #MAX_SALES} sales are exported (the newest ids), so the series stay bounded
 * even when ended sales are never cleaned up. Known gap: each process with the admin role exports the
 * same figures; dashboards take {@code max by (activity_id)}.
 */
final class SaleMeters {
    static final int MAX_SALES = 100;
    private static final Logger log = LoggerFactory.getLogger(SaleMeters.class);

    /** One live sale as sampled; status is the Redis status code (2 active, 3 paused, 4 ended). */
    record Figures(long activityId, int status, long total, long remaining, long granted, long materialized) {}

    private final Supplier<List<Long>> live;
    private final LongFunction<SaleStore.SaleSnapshot> snapshots;
    private final LongUnaryOperator materialized;
    private final List<Gauge> gauges = new ArrayList<>();
    /** The holder each exported sale's rows read, by activity id (the sampling thread's only). */
    private Map<Long, AtomicReference<Figures>> current = Map.of();
    private final Counter samples;
    private final Counter failures;

    private record Gauge(MultiGauge meter, ToLongFunction<Figures> value) {}

    /**
     * {@code live}: ids of the started, not cleaned-up sales, ascending; {@code snapshots}: the sale's one
     * Redis call; {@code materialized}: the rows the sink counted for a sale.
     */
    SaleMeters(Supplier<List<Long>> live, LongFunction<SaleStore.SaleSnapshot> snapshots,
            LongUnaryOperator materialized, MeterRegistry registry) {
        this.live = live;
        this.snapshots = snapshots;
        this.materialized = materialized;
        gauge(registry, "coupon.sale.total.stock", "the sale's total stock (Redis)", Figures::total);
        gauge(registry, "coupon.sale.remaining.stock", "coupons left to grab (Redis; 0 = sold out)", Figures::remaining);
        gauge(registry, "coupon.sale.granted", "grants in the sale's ledger (Redis), every instance's", Figures::granted);
        gauge(registry, "coupon.sale.materialized", "user_coupons rows the sink inserted for the sale (sale_row_counts)",
                Figures::materialized);
        gauge(registry, "coupon.sale.status", "the sale's status in Redis: 2 active, 3 paused, 4 ended", Figures::status);
        String help = "samples of the per-sale gauges, and sales (or whole samples) that could not be read";
        samples = Counter.builder("coupon.sale.samples").tag("result", "ok").description(help).register(registry);
        failures = Counter.builder("coupon.sale.samples").tag("result", "failed").description(help).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String help, ToLongFunction<Figures> value) {
        gauges.add(new Gauge(MultiGauge.builder(name).description(help).register(registry), value));
    }

    /** Reads every live sale and replaces the gauges' rows; a failed list leaves no rows at all. */
    void sample() {
        List<Figures> read;
        try {
            read = read(live.get());
        } catch (RuntimeException e) {
            failures.increment();
            log.debug("per-sale gauges: listing the live sales failed", e);
            read = List.of();
        }
        publish(read);
    }

    /** The figures of the newest {@link #MAX_SALES} of {@code ids}; a sale whose read fails is left out. */
    List<Figures> read(List<Long> ids) {
        List<Figures> out = new ArrayList<>();
        for (long id : ids.subList(Math.max(0, ids.size() - MAX_SALES), ids.size())) {
            try {
                SaleStore.SaleSnapshot s = snapshots.apply(id);
                if (!s.exists()) {
                    continue;
                }
                out.add(new Figures(id, s.status().code(), s.total(), s.remaining(), s.ledgerSize(),
                        materialized.applyAsLong(id)));
            } catch (RuntimeException e) {
                failures.increment();
                log.debug("per-sale gauges: reading activity {} failed", id, e);
            }
        }
        samples.increment();
        return out;
    }

    /**
     * Sets each sale's holder and registers rows without overwrite: a sale still live keeps its series
     * (MultiGauge's overwrite removes and registers every row again, and a scrape between the two misses
     * it: Prometheus marks it stale and a rule's {@code for:} starts over); a sale no longer read is
     * removed. Only the sampling thread calls this; scrapes read the holders.
     */
    private void publish(List<Figures> figures) {
        Map<Long, AtomicReference<Figures>> now = new LinkedHashMap<>();
        for (Figures f : figures) {
            AtomicReference<Figures> holder = current.getOrDefault(f.activityId(), new AtomicReference<>());
            holder.set(f);
            now.put(f.activityId(), holder);
        }
        current = now;
        for (Gauge g : gauges) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>(now.size());
            now.forEach((id, holder) -> rows.add(MultiGauge.Row.of(Tags.of("activity_id", Long.toString(id)), holder,
                    h -> g.value().applyAsLong(h.get()))));
            g.meter().register(rows, false);
        }
    }
}
