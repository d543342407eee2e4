package io.flashcoupon.core.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    WalletCache cache = oneByOne((userId, limit) -> {
        loads.incrementAndGet();
        List<UserCoupon> all = rows.get();
        return all.subList(0, Math.min(limit, all.size()));
    }, Duration.ofSeconds(1));

    /** A user's newest coupons, at most {@code limit}, id descending: one user per read. */
    interface PerUser {
        List<UserCoupon> newest(long userId, int limit);
    }

    /** A cache that reads one user per statement, with no cap on concurrent loaders. */
    WalletCache oneByOne(PerUser store, Duration ttl) {
        WalletCache.BatchLoader each = (users, limit) -> {
            Map<Long, List<UserCoupon>> out = new HashMap<>();
            for (long u : users) {
                out.put(u, store.newest(u, limit));
            }
            return out;
        };
        return new WalletCache(each, 1, Integer.MAX_VALUE, ttl, 1_000, nanos::get);
    }

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
        WalletCache slow = oneByOne((userId, limit) -> {
            loads.incrementAndGet();
            List<UserCoupon> read = rows.get();
            loading.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return read;
        }, Duration.ofMinutes(10));
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

    /** A batch loader whose first statement waits for {@code release}; records each statement's users. */
    static final class GatedBatches implements WalletCache.BatchLoader {
        /** The statement (1-based) that waits for {@code release}. */
        final int gated;
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<List<Long>> statements = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<Long, Integer> couponsOf = new java.util.concurrent.ConcurrentHashMap<>();
        volatile RuntimeException fail;
        /** A user whose rows cannot be read (a bad row): any statement that includes it fails. */
        volatile long badUser = -1;

        GatedBatches() {
            this(1);
        }

        GatedBatches(int gated) {
            this.gated = gated;
        }

        @Override
        public Map<Long, List<UserCoupon>> newest(List<Long> userIds, int limit) {
            statements.add(List.copyOf(userIds));
            if (statements.size() == gated) {
                firstStarted.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (fail != null) {
                throw fail;
            }
            if (userIds.contains(badUser)) {
                throw new IllegalArgumentException("unknown status code 9 in a row of user " + badUser);
            }
            Map<Long, List<UserCoupon>> out = new HashMap<>();
            for (long u : userIds) {
                int n = couponsOf.getOrDefault(u, 0);
                if (n > 0) {
                    List<UserCoupon> rows = new ArrayList<>();
                    for (long id = n; id >= 1; id--) {
                        rows.add(new UserCoupon(u * 1000 + id, "SN" + u + "-" + id, 1, 1, 1L, 1, u,
                                UserCouponStatus.UNUSED, Instant.EPOCH, 0, Instant.EPOCH, Instant.EPOCH.plusSeconds(60),
                                null, null, null));
                    }
                    out.put(u, rows);
                }
            }
            return out;
        }
    }

    /** Waits, with a deadline, until {@code n} readers are queued behind the busy loader. */
    static void awaitQueued(WalletCache cache, long expectedMisses) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cache.queuedUsers() < expectedMisses) {
            assertThat(System.nanoTime()).as("readers queued in time").isLessThan(deadline);
            Thread.sleep(1); // polling a condition with a deadline
        }
    }

    @Test
    void cold_wallets_of_readers_arriving_while_a_load_runs_are_read_together_each_reader_getting_its_own()
            throws Exception {
        GatedBatches db = new GatedBatches();
        for (long u = 1; u <= 6; u++) {
            db.couponsOf.put(u, (int) u % 3); // users 3 and 6 have none
        }
        WalletCache batched = new WalletCache(db, 32, 1, Duration.ofMinutes(1), 1_000, nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            Future<WalletCache.Wallet> first = pool.submit(() -> batched.wallet(1));
            assertThat(db.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<WalletCache.Wallet>> rest = new ArrayList<>();
            for (long u = 2; u <= 6; u++) {
                long user = u;
                rest.add(pool.submit(() -> batched.wallet(user)));
            }
            awaitQueued(batched, 5);
            db.release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).newest()).hasSize(1);
            for (int i = 0; i < rest.size(); i++) {
                long user = i + 2;
                WalletCache.Wallet w = rest.get(i).get(10, TimeUnit.SECONDS);
                assertThat(w.newest()).as("user %d's own coupons", user).hasSize((int) user % 3)
                        .allMatch(c -> c.userId() == user);
                assertThat(w.complete()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.statements).as("the first reader's load, then the five queued users in one statement")
                .hasSize(2);
        assertThat(db.statements.get(0)).containsExactly(1L);
        assertThat(db.statements.get(1)).containsExactlyInAnyOrder(2L, 3L, 4L, 5L, 6L);
        assertThat(batched.wallet(6).newest()).as("an empty wallet is cached too").isEmpty();
        assertThat(db.statements).hasSize(2);
    }

    @Test
    void a_user_changed_while_queued_gets_the_batch_read_once_and_the_next_reader_loads_again() throws Exception {
        GatedBatches db = new GatedBatches();
        db.couponsOf.put(7L, 1);
        WalletCache batched = new WalletCache(db, 32, 1, Duration.ofMinutes(1), 1_000, nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<WalletCache.Wallet> blocker = pool.submit(() -> batched.wallet(1));
            assertThat(db.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            Future<WalletCache.Wallet> queued = pool.submit(() -> batched.wallet(7));
            awaitQueued(batched, 1);
            db.couponsOf.put(7L, 2);
            batched.invalidate(7); // the change lands while user 7 waits for a loader
            db.release.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            assertThat(queued.get(10, TimeUnit.SECONDS).newest()).as("its read overlapped the change").hasSize(2);
        } finally {
            pool.shutdownNow();
        }
        int statements = db.statements.size();
        db.couponsOf.put(7L, 3);
        batched.invalidate(7);
        assertThat(batched.wallet(7).newest()).as("a change after the load drops it").hasSize(3);
        assertThat(db.statements).hasSize(statements + 1);
    }

    @Test
    void a_failed_batch_fails_each_of_its_readers_and_is_not_kept() throws Exception {
        GatedBatches db = new GatedBatches();
        db.couponsOf.put(1L, 1);
        db.couponsOf.put(2L, 2);
        db.fail = new IllegalStateException("mysql down");
        WalletCache batched = new WalletCache(db, 32, 1, Duration.ofMinutes(1), 1_000, nanos::get);
        db.release.countDown();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> batched.wallet(1)).hasMessage("mysql down");
        db.fail = null;
        assertThat(batched.wallet(1).newest()).hasSize(1);
        assertThat(batched.wallet(2).newest()).hasSize(2);
    }

    @Test
    void batches_hold_at_most_max_batch_users() throws Exception {
        GatedBatches db = new GatedBatches();
        WalletCache batched = new WalletCache(db, 2, 1, Duration.ofMinutes(1), 1_000, nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            Future<WalletCache.Wallet> first = pool.submit(() -> batched.wallet(100));
            assertThat(db.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<WalletCache.Wallet>> rest = new ArrayList<>();
            for (long u = 101; u <= 105; u++) {
                long user = u;
                rest.add(pool.submit(() -> batched.wallet(user)));
            }
            awaitQueued(batched, 5);
            db.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (Future<WalletCache.Wallet> f : rest) {
                assertThat(f.get(10, TimeUnit.SECONDS).newest()).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.statements.subList(1, db.statements.size())).extracting(List::size).containsExactly(2, 2, 1);
    }

    @Test
    void a_loader_answers_its_own_reader_without_waiting_for_the_next_batch() throws Exception {
        GatedBatches db = new GatedBatches(2); // the second statement waits
        db.couponsOf.put(1L, 1);
        db.couponsOf.put(2L, 2);
        GatedBatches first = new GatedBatches(1);
        // statement 1 (user 1) is held until user 2 is queued, so user 2 needs a second statement
        WalletCache batched = new WalletCache((users, limit) -> {
            if (users.contains(1L)) {
                first.newest(users, limit);
            }
            return db.newest(users, limit);
        }, 32, 1, Duration.ofMinutes(1), 1_000, nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<WalletCache.Wallet> one = pool.submit(() -> batched.wallet(1));
            assertThat(first.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            Future<WalletCache.Wallet> two = pool.submit(() -> batched.wallet(2));
            awaitQueued(batched, 1);
            first.release.countDown();
            assertThat(one.get(10, TimeUnit.SECONDS).newest()).as("answered while user 2's statement still runs")
                    .hasSize(1);
            assertThat(db.firstStarted.await(10, TimeUnit.SECONDS)).as("user 2 loaded by its own reader").isTrue();
            assertThat(two).isNotDone();
            db.release.countDown();
            assertThat(two.get(10, TimeUnit.SECONDS).newest()).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
    }

    static List<Long> ids(Optional<List<UserCoupon>> page) {
        assertThat(page).isPresent();
        return page.get().stream().map(UserCoupon::id).toList();
    }

    @Test
    void a_user_queued_twice_is_read_once_in_its_batch_and_both_readers_get_that_wallet() throws Exception {
        GatedBatches db = new GatedBatches();
        db.couponsOf.put(7L, 2);
        WalletCache batched = new WalletCache(db, 32, 1, Duration.ofMinutes(1), 1_000, nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<WalletCache.Wallet> blocker = pool.submit(() -> batched.wallet(1));
            assertThat(db.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            Future<WalletCache.Wallet> before = pool.submit(() -> batched.wallet(7));
            awaitQueued(batched, 1);
            batched.invalidate(7); // a change while user 7 waits; the next read queues user 7 again
            Future<WalletCache.Wallet> after = pool.submit(() -> batched.wallet(7));
            awaitQueued(batched, 2);
            db.release.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            assertThat(before.get(10, TimeUnit.SECONDS).newest()).hasSize(2);
            assertThat(after.get(10, TimeUnit.SECONDS).newest()).as("each coupon once").hasSize(2)
                    .doesNotHaveDuplicates();
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.statements.get(1)).as("user 7 read once in the batch").containsExactly(7L);
        assertThat(batched.wallet(7).newest()).as("the cached wallet").hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void a_bad_row_fails_only_its_own_users_reads_not_the_rest_of_its_batch() throws Exception {
        GatedBatches db = new GatedBatches();
        db.couponsOf.put(2L, 1);
        db.couponsOf.put(3L, 2);
        db.couponsOf.put(9L, 1);
        db.badUser = 9;
        WalletCache batched = new WalletCache(db, 32, 1, Duration.ofMinutes(1), 1_000, nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<WalletCache.Wallet> blocker = pool.submit(() -> batched.wallet(1));
            assertThat(db.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            Future<WalletCache.Wallet> two = pool.submit(() -> batched.wallet(2));
            Future<WalletCache.Wallet> nine = pool.submit(() -> batched.wallet(9));
            Future<WalletCache.Wallet> three = pool.submit(() -> batched.wallet(3));
            awaitQueued(batched, 3);
            db.release.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            assertThat(two.get(10, TimeUnit.SECONDS).newest()).hasSize(1);
            assertThat(three.get(10, TimeUnit.SECONDS).newest()).hasSize(2);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> nine.get(10, TimeUnit.SECONDS))
                    .hasRootCauseMessage("unknown status code 9 in a row of user 9");
        } finally {
            pool.shutdownNow();
        }
        db.badUser = -1;
        assertThat(batched.wallet(9).newest()).as("the failed read was not kept").hasSize(1);
    }
}
