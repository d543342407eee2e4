package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GrabConcurrencyIT {

    @Test
    void stock_300_and_2000_grabs_from_500_users_grant_exactly_300_once_per_user_and_materialize_them() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(300, 1);
        int calls = 2000;
        int users = 500;
        int inFlight = 96;
        List<Long> requests = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            requests.add(1_000_000L + (i % users));
        }
        Collections.shuffle(requests, new java.util.Random(7));

        Map<String, Long> granted = new ConcurrentHashMap<>();
        Map<GrabCode, AtomicInteger> codes = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger current = new AtomicInteger();
        Semaphore window = new Semaphore(inFlight);
        CountDownLatch done = new CountDownLatch(calls);
        for (long user : requests) {
            window.acquire();
            peak.accumulateAndGet(current.incrementAndGet(), Math::max);
            h.async.withDeadlineAfter(30, TimeUnit.SECONDS).flashSaleCoupon(
                    FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(FlashSaleResponse r) {
                            codes.computeIfAbsent(r.getCode(), c -> new AtomicInteger()).incrementAndGet();
                            if (r.getCode() == GrabCode.GRANTED) {
                                Long previous = granted.put(r.getCouponSn(), user);
                                if (previous != null) {
                                    errors.add(new AssertionError("coupon_sn granted twice: " + r.getCouponSn()));
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            errors.add(t);
                            finish();
                        }

                        @Override
                        public void onCompleted() {
                            finish();
                        }

                        private void finish() {
                            current.decrementAndGet();
                            window.release();
                            done.countDown();
                        }
                    });
        }
        assertThat(done.await(120, TimeUnit.SECONDS)).as("all grabs answered").isTrue();
        System.out.printf("grabs=%d users=%d peak in flight=%d outcomes=%s errors=%d%n",
                calls, users, peak.get(), codes, errors.size());

        assertThat(errors).as("no grab failed").isEmpty();
        assertThat(peak.get()).as("in flight at once").isGreaterThanOrEqualTo(64);
        assertThat(granted).as("granted coupons").hasSize(300);
        assertThat(granted.values()).as("no user twice").doesNotHaveDuplicates();
        assertThat(codes.get(GrabCode.GRANTED).get() + codes.get(GrabCode.SOLD_OUT).get()
                + codes.getOrDefault(GrabCode.LIMIT_REACHED, new AtomicInteger()).get()).isEqualTo(calls);

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

        Semaphore window = new Semaphore(64);
        CountDownLatch done = new CountDownLatch(4000);
        for (int i = 0; i < 4000; i++) {
            window.acquire();
            h.async.withDeadlineAfter(30, TimeUnit.SECONDS).flashSaleCoupon(
                    FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(2_000_000L + i).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(FlashSaleResponse r) {}

                        @Override
                        public void onError(Throwable t) {
                            errors.add(t);
                            window.release();
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            window.release();
                            done.countDown();
                        }
                    });
        }
        assertThat(done.await(120, TimeUnit.SECONDS)).as("all grabs answered").isTrue();
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
