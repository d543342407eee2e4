package io.flashcoupon.core.wallet;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WalletCacheTest {
    final AtomicLong nanos = new AtomicLong();
    final AtomicInteger loads = new AtomicInteger();
    /** The user's rows in the store, id descending. */
    final AtomicReference<List<UserCoupon>> rows = new AtomicReference<>(coupons(3));

    WalletCache cache = new WalletCache((userId, limit) -> {
        loads.incrementAndGet();
        List<UserCoupon> all = rows.get();
        return all.subList(0, Math.min(limit, all.size()));
    }, Duration.ofSeconds(1), 1_000, nanos::get);

    static UserCoupon coupon(long id, UserCouponStatus status) {
        return new UserCoupon(id, "SN" + id, 1, 1, 1L, 1, 42, status, Instant.EPOCH, 0, Instant.EPOCH,
                Instant.EPOCH.plusSeconds(60), null, null, null);
    }

    /** {@code n} unused coupons with ids n..1 (newest first). */
    static List<UserCoupon> coupons(int n) {
        List<UserCoupon> out = new ArrayList<>();
        for (long id = n; id >= 1; id--) {
            out.add(coupon(id, UserCouponStatus.UNUSED));
        }
        return out;
    }

    @Test
    void a_wallet_is_read_once_per_ttl_and_a_change_of_the_user_drops_it_at_once() {
        assertThat(cache.wallet(42).newest()).hasSize(3);
        assertThat(cache.wallet(42).newest()).hasSize(3);
        assertThat(loads).hasValue(1);

        rows.set(coupons(4));
        cache.invalidate(42);
        assertThat(cache.wallet(42).newest()).as("dropped by the change").hasSize(4);

        rows.set(coupons(5));
        nanos.addAndGet(Duration.ofMillis(999).toNanos());
        assertThat(cache.wallet(42).newest()).as("within the TTL").hasSize(4);
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(cache.wallet(42).newest()).as("the TTL bounds a lost invalidation").hasSize(5);
        assertThat(loads).hasValue(3);
    }

    @Test
    void pages_come_from_the_cached_wallet_filtered_by_status_and_cursor() {
        rows.set(List.of(coupon(9, UserCouponStatus.UNUSED), coupon(8, UserCouponStatus.USED),
                coupon(7, UserCouponStatus.UNUSED), coupon(6, UserCouponStatus.LOCKED)));
        assertThat(ids(cache.page(42, null, 0, 2))).containsExactly(9L, 8L);
        assertThat(ids(cache.page(42, null, 8, 2))).containsExactly(7L, 6L);
        assertThat(ids(cache.page(42, UserCouponStatus.UNUSED, 0, 10))).containsExactly(9L, 7L);
        assertThat(ids(cache.page(42, UserCouponStatus.EXPIRED, 0, 10))).isEmpty();
        assertThat(loads).hasValue(1);
    }

    @Test
    void a_page_beyond_the_coupons_kept_is_left_to_mysql() {
        rows.set(coupons(WalletCache.WINDOW + 5));
        WalletCache.Wallet w = cache.wallet(42);
        assertThat(w.complete()).isFalse();
        assertThat(w.newest()).hasSize(WalletCache.WINDOW);
        assertThat(cache.page(42, null, 0, 50)).as("inside the window").isPresent();
        assertThat(cache.page(42, null, 10, 50)).as("reaches past the window").isEmpty();
        assertThat(cache.page(42, UserCouponStatus.USED, 0, 1)).as("none of that status kept").isEmpty();
    }

    @Test
    void an_invalidation_during_a_load_returns_at_once_and_drops_what_the_load_read() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WalletCache slow = new WalletCache((userId, limit) -> {
            loads.incrementAndGet();
            List<UserCoupon> read = rows.get();
            loading.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return read;
        }, Duration.ofMinutes(10), 1_000, nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<WalletCache.Wallet> first = pool.submit(() -> slow.wallet(42));
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
            rows.set(coupons(4));
            Future<?> drop = pool.submit(() -> slow.invalidate(42));
            // The invalidation does not wait for the load: a slow MySQL read must not hold up the one
            // consumer that applies every cache's invalidations.
            drop.get(10, TimeUnit.SECONDS);
            assertThat(first).as("the load is still running").isNotDone();
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).newest()).as("the overlapping reader gets its read")
                    .hasSize(3);
        } finally {
            pool.shutdownNow();
        }
        assertThat(slow.wallet(42).newest()).as("the old read was not kept").hasSize(4);
    }

    static List<Long> ids(Optional<List<UserCoupon>> page) {
        assertThat(page).isPresent();
        return page.get().stream().map(UserCoupon::id).toList();
    }
}
