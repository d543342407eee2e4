package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SaleStatusReadsTest {
    static final Activity SALE = new Activity(7, 1, "sale", 100, Instant.EPOCH, Instant.EPOCH.plusSeconds(3600), 1,
            ActivityStatus.ACTIVE);
    final AtomicLong nanos = new AtomicLong();
    final AtomicInteger redisReads = new AtomicInteger();
    final AtomicLong stock = new AtomicLong(60);
    final SoldOutFlags soldOut = new SoldOutFlags(1_000, () -> nanos.get() / 1_000_000);

    SaleStatusReads reads(Duration period) {
        return new SaleStatusReads(id -> id == SALE.id() ? Optional.of(SALE) : Optional.empty(), id -> {
            redisReads.incrementAndGet();
            long s = stock.get();
            return new SaleStore.SaleSnapshot(true, ActivityStatus.ACTIVE, s, 100, 100 - s);
        }, soldOut, period, nanos::get);
    }

    @Test
    void pollers_within_one_period_share_one_redis_read_and_the_next_period_reads_again() {
        SaleStatusReads reads = reads(Duration.ofMillis(200));
        for (int i = 0; i < 1_000; i++) {
            assertThat(reads.status(SALE.id()).figures()).isEqualTo(new SaleStatusReads.Figures(60L, 40));
        }
        assertThat(redisReads).hasValue(1);

        stock.set(10);
        nanos.addAndGet(Duration.ofMillis(199).toNanos());
        assertThat(reads.status(SALE.id()).figures().remaining()).as("still inside the period").isEqualTo(60L);
        nanos.addAndGet(Duration.ofMillis(2).toNanos());
        // the refresh runs on the caller's thread here (the service's runs on a thread of its own)
        assertThat(reads.status(SALE.id()).figures()).as("the period is over")
                .isEqualTo(new SaleStatusReads.Figures(10L, 90));
        for (int i = 0; i < 1_000; i++) {
            reads.status(SALE.id());
        }
        assertThat(redisReads).as("one refresh per period, not one per poller").hasValue(2);
        assertThat(reads.loads()).isEqualTo(2);
    }

    @Test
    void a_warm_sale_is_answered_while_its_refresh_waits_for_redis() throws Exception {
        CountDownLatch refreshing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService refresher = Executors.newSingleThreadExecutor();
        SaleStatusReads reads = new SaleStatusReads(id -> Optional.of(SALE), id -> {
            if (redisReads.incrementAndGet() > 1) {
                refreshing.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            long s = stock.get();
            return new SaleStore.SaleSnapshot(true, ActivityStatus.ACTIVE, s, 100, 100 - s);
        }, soldOut, Duration.ofMillis(200), nanos::get, refresher);
        try {
            assertThat(reads.status(SALE.id()).figures().remaining()).isEqualTo(60L);
            stock.set(10);
            nanos.addAndGet(Duration.ofMillis(250).toNanos());
            assertThat(reads.status(SALE.id()).figures().remaining()).isEqualTo(60L);
            assertThat(refreshing.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 100; i++) {
                assertThat(reads.status(SALE.id()).figures().remaining()).as("Redis still answering the refresh")
                        .isEqualTo(60L);
            }
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reads.status(SALE.id()).figures().remaining() != 10L && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(reads.status(SALE.id()).figures().remaining()).isEqualTo(10L);
            assertThat(redisReads).hasValue(2);
        } finally {
            release.countDown();
            refresher.shutdownNow();
        }
    }

    @Test
    void figures_nobody_refreshed_for_two_periods_are_read_again_before_the_answer() {
        SaleStatusReads reads = reads(Duration.ofMillis(200));
        assertThat(reads.status(SALE.id()).figures().remaining()).isEqualTo(60L);
        stock.set(10);
        nanos.addAndGet(Duration.ofMillis(400).toNanos());
        assertThat(reads.status(SALE.id()).figures()).isEqualTo(new SaleStatusReads.Figures(10L, 90));
    }

    @Test
    void a_failed_redis_read_is_shared_for_the_period_then_read_again() {
        AtomicInteger attempts = new AtomicInteger();
        SaleStatusReads reads = new SaleStatusReads(id -> Optional.of(SALE), id -> {
            if (attempts.incrementAndGet() == 1) {
                throw new io.flashcoupon.core.sale.SaleStoreException("Redis timed out", null);
            }
            return new SaleStore.SaleSnapshot(true, ActivityStatus.ACTIVE, 60, 100, 40);
        }, soldOut, Duration.ofMillis(200), nanos::get);

        for (int i = 0; i < 100; i++) {
            assertThatThrownBy(() -> reads.status(SALE.id()))
                    .isInstanceOf(io.flashcoupon.core.sale.SaleStoreException.class).hasMessage("Redis timed out");
        }
        assertThat(attempts).as("one Redis read for every poller of the period").hasValue(1);
        nanos.addAndGet(Duration.ofMillis(200).toNanos());
        assertThat(reads.status(SALE.id()).figures()).isEqualTo(new SaleStatusReads.Figures(60L, 40));
        assertThat(attempts).hasValue(2);
    }

    @Test
    void concurrent_pollers_of_a_cold_sale_wait_for_one_load() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SaleStatusReads reads = new SaleStatusReads(id -> Optional.of(SALE), id -> {
            redisReads.incrementAndGet();
            loading.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new SaleStore.SaleSnapshot(true, ActivityStatus.ACTIVE, 5, 100, 95);
        }, soldOut, Duration.ofMillis(200), nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<SaleStatusReads.View>> calls = new ArrayList<>();
            calls.add(pool.submit(() -> reads.status(SALE.id())));
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 15; i++) {
                calls.add(pool.submit(() -> reads.status(SALE.id())));
            }
            release.countDown();
            for (Future<SaleStatusReads.View> f : calls) {
                assertThat(f.get(10, TimeUnit.SECONDS).figures().remaining()).isEqualTo(5L);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(redisReads).as("one load for 16 callers").hasValue(1);
    }

    @Test
    void a_sale_this_instance_saw_sold_out_is_answered_without_redis() {
        SaleStatusReads reads = reads(Duration.ofMillis(200));
        soldOut.markSoldOut(SALE.id());
        SaleStatusReads.View v = reads.status(SALE.id());
        assertThat(v.figures()).isEqualTo(new SaleStatusReads.Figures(0L, 100));
        assertThat(v.activity()).isEqualTo(SALE);
        assertThat(redisReads).hasValue(0);
    }

    @Test
    void an_unknown_sale_is_not_found_and_never_reaches_redis() {
        SaleStatusReads reads = reads(Duration.ofMillis(200));
        assertThatThrownBy(() -> reads.status(8)).isInstanceOf(NotFoundException.class).hasMessageContaining("8");
        assertThat(redisReads).hasValue(0);
    }

    @Test
    void a_sale_not_in_redis_yet_has_no_remaining_figure() {
        SaleStatusReads reads = new SaleStatusReads(id -> Optional.of(SALE),
                id -> new SaleStore.SaleSnapshot(false, null, 0, 0, 0), soldOut, Duration.ofMillis(200), nanos::get);
        assertThat(reads.status(SALE.id()).figures()).isEqualTo(new SaleStatusReads.Figures(null, 0));
    }
}
