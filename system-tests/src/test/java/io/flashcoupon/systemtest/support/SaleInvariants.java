package io.flashcoupon.systemtest.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The guarantees of docs/architecture.md checked against the real stores after a run: no
 * oversell, per-user limits held, every ledger entry has exactly one row with the same owner and
 * every row its entry, and no coupon both granted and voided by the check-back.
 */
public final class SaleInvariants {
    private SaleInvariants() {}

    /** Awaits materialization (deadline {@code within}) and checks everything; returns the ledger. */
    public static Map<String, String> check(ServiceHarness h, long activityId, int total, int perUserLimit, Duration within) {
        return check(h.service.redis().connection().sync(), h.service.dataSource(), activityId, total, perUserLimit,
                within);
    }

    /** As above, against any Redis and database (the fault tests read their own). */
    public static Map<String, String> check(RedisCommands<String, String> redis, DataSource db, long activityId, int total,
            int perUserLimit, Duration within) {
        long stock = Long.parseLong(redis.hget(Registry.saleKey(activityId), "stock"));
        Map<String, String> ledger = redis.hgetall(Registry.ledgerKey(activityId));
        Map<String, String> users = redis.hgetall(Registry.usersKey(activityId));

        assertThat(stock).as("stock never negative").isGreaterThanOrEqualTo(0);
        assertThat(stock + ledger.size()).as("initial stock = remaining + ledger").isEqualTo(total);

        Map<Long, Integer> perUser = new HashMap<>();
        Map<String, Long> ledgerOwners = new HashMap<>();
        ledger.forEach((sn, value) -> {
            long user = Long.parseLong(value.split(":")[0]);
            ledgerOwners.put(sn, user);
            perUser.merge(user, 1, Integer::sum);
        });
        perUser.forEach((user, n) -> {
            assertThat(n).as("coupons of user %d", user).isLessThanOrEqualTo(perUserLimit);
            assertThat(users.get(Long.toString(user))).as("users hash of %d", user).isEqualTo(Integer.toString(n));
        });
        assertThat(users.values().stream().mapToLong(Long::parseLong).sum()).as("users hash total = ledger size")
                .isEqualTo(ledger.size());
        java.util.Set<String> grantedAndVoided = new java.util.HashSet<>(redis.hkeys(Registry.voidKey(activityId)));
        grantedAndVoided.retainAll(ledger.keySet());
        assertThat(grantedAndVoided).as("coupons both granted and voided by the check-back").isEmpty();

        UserCouponRepository rows = new UserCouponRepository(db);
        await("user_coupons rows of activity " + activityId).atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> rows.countByActivity(activityId) >= ledger.size());
        Map<String, Long> rowOwners = rows.ownersByActivity(activityId);
        assertThat(rowOwners).as("every ledger entry has exactly one row with its owner, and no row without entry")
                .isEqualTo(ledgerOwners);
        return ledger;
    }
}
