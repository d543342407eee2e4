package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.AsyncGrabs;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GrabConcurrencyIT {

    @Test
    void stock_300_and_2000_grabs_from_500_users_grant_exactly_300_once_per_user_and_materialize_them() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(300, 1);
        int users = 500;
        int inFlight = 96;
        List<Long> requests = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            requests.add(1_000_000L + (i % users));
        }
        Collections.shuffle(requests, new java.util.Random(7));

        List<FlashSaleRequest> calls = requests.stream()
                .map(user -> FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build()).toList();
        AsyncGrabs.Run run = AsyncGrabs.run(h.async, calls, inFlight, Duration.ofSeconds(30), Duration.ofSeconds(120));
        Map<String, Long> granted = new HashMap<>();
        Map<GrabCode, Integer> codes = new EnumMap<>(GrabCode.class);
        List<Throwable> errors = new ArrayList<>(run.errors());
        for (AsyncGrabs.Answer a : run.answers()) {
            if (a.response() == null) {
                continue;
            }
            codes.merge(a.response().getCode(), 1, Integer::sum);
            if (a.response().getCode() == GrabCode.GRANTED
                    && granted.put(a.response().getCouponSn(), a.request().getUserId()) != null) {
                errors.add(new AssertionError("coupon_sn granted twice: " + a.response().getCouponSn()));
            }
        }
        System.out.printf("grabs=%d users=%d peak in flight=%d outcomes=%s errors=%d%n",
                calls.size(), users, run.peakInFlight(), codes, errors.size());

        assertThat(errors).as("no grab failed").isEmpty();
        assertThat(run.peakInFlight()).as("in flight at once").isGreaterThanOrEqualTo(64);
        assertThat(granted).as("granted coupons").hasSize(300);
        assertThat(granted.values()).as("no user twice").doesNotHaveDuplicates();
        assertThat(codes.get(GrabCode.GRANTED) + codes.get(GrabCode.SOLD_OUT)
                + codes.getOrDefault(GrabCode.LIMIT_REACHED, 0)).isEqualTo(calls.size());

        var redis = h.service.redis().connection().sync();
        assertThat(redis.hget(Registry.saleKey(sale.id()), "stock")).isEqualTo("0");
        assertThat(redis.hlen(Registry.ledgerKey(sale.id()))).isEqualTo(300L);

        Map<String, String> ledger = SaleInvariants.check(h, sale.id(), 300, 1, Duration.ofSeconds(30));
        assertThat(ledger.keySet()).as("ledger coupon_sns are the granted ones").isEqualTo(granted.keySet());
    }

    @Test
    void the_sales_figures_balance_at_every_read_while_grabs_land() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        int stock = 3000;
        Activity sale = h.runningSale(stock, 1);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(10));

        // One reader takes snapshots as fast as it can while 4,000 distinct users grab, 64 at a time.
        AtomicBoolean grabbing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> unbalanced = new ConcurrentLinkedQueue<>();
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger readsMidSale = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Thread reader = new Thread(() -> {
            while (grabbing.get()) {
                SaleStore.SaleSnapshot s;
                try {
                    s = store.snapshot(sale.id());
                } catch (RuntimeException e) {
                    errors.add(e);
                    return;
                }
                reads.incrementAndGet();
                if (s.ledgerSize() > 0 && s.remaining() > 0) {
                    readsMidSale.incrementAndGet();
                }
                if (s.remaining() + s.ledgerSize() != s.total()) {
                    unbalanced.add("remaining " + s.remaining() + " + ledger " + s.ledgerSize() + " != total " + s.total());
                }
            }
        }, "snapshot-reader");
        reader.start();

        List<FlashSaleRequest> calls = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            calls.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(2_000_000L + i).build());
        }
        errors.addAll(AsyncGrabs.run(h.async, calls, 64, Duration.ofSeconds(30), Duration.ofSeconds(120)).errors());
        grabbing.set(false);
        reader.join(10_000);
        assertThat(reader.isAlive()).as("snapshot reader finished").isFalse();
        System.out.printf("snapshots=%d of which mid-sale=%d unbalanced=%d%n", reads.get(), readsMidSale.get(), unbalanced.size());

        assertThat(errors).as("no grab or snapshot failed").isEmpty();
        assertThat(readsMidSale.get()).as("snapshots taken while the sale was moving").isGreaterThanOrEqualTo(20);
        assertThat(unbalanced).as("snapshots where remaining + granted != total").isEmpty();
        SaleInvariants.check(h, sale.id(), stock, 1, Duration.ofSeconds(30));
    }
}
