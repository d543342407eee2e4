package io.flashcoupon.systemtest.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The guarantees of docs/architecture.md checked against the real stores after a run. {@link #check}
 * reads the grab path's Redis keys too: no oversell, per-user limits held, every ledger entry has
 * exactly one row with the same owner and every row its entry, and no coupon both granted and voided by
 * the check-back. {@link #compare} is black-box: MySQL's user_coupons rows against what the clients
 * were answered ({@link ClientView}) and the sale's remaining stock as the service reports it, so it
 * holds whatever the grab path does inside.
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

    /**
     * {@link #check} for a sale split into segments: no oversell and nothing lost over the whole sale
     * (stock of every segment + transfers in flight + ledgers == total), every grant in the ledger of its
     * user's segment, per-user limits and users hashes held per segment, no coupon both granted and
     * voided, and every ledger entry exactly one row with its owner. Returns the merged ledger.
     */
    public static Map<String, String> checkSplit(RedisCommands<String, String> redis, DataSource db, Activity sale,
            Duration within) {
        Map<String, String> merged = new HashMap<>();
        Map<String, Long> ledgerOwners = new HashMap<>();
        long stock = 0;
        List<Map<String, String>> transfers = new ArrayList<>();
        for (Segment s : Segment.all(sale.id(), sale.segments())) {
            long segmentStock = Long.parseLong(redis.hget(Registry.saleKey(s), "stock"));
            assertThat(segmentStock).as("stock of %s never negative", s).isGreaterThanOrEqualTo(0);
            stock += segmentStock;
            Map<String, String> ledger = redis.hgetall(Registry.ledgerKey(s));
            Map<String, String> users = redis.hgetall(Registry.usersKey(s));
            Map<Long, Integer> perUser = new HashMap<>();
            ledger.forEach((sn, value) -> {
                long user = Long.parseLong(value.split(":")[0]);
                assertThat(Segment.ofUser(sale.id(), sale.segments(), user)).as("segment of the grant of user %d", user)
                        .isEqualTo(s);
                ledgerOwners.put(sn, user);
                perUser.merge(user, 1, Integer::sum);
            });
            perUser.forEach((user, n) -> {
                assertThat(n).as("coupons of user %d", user).isLessThanOrEqualTo(sale.perUserLimit());
                assertThat(users.get(Long.toString(user))).as("users hash of %d", user).isEqualTo(Integer.toString(n));
            });
            java.util.Set<String> grantedAndVoided = new java.util.HashSet<>(redis.hkeys(Registry.voidKey(s)));
            grantedAndVoided.retainAll(ledger.keySet());
            assertThat(grantedAndVoided).as("coupons of %s both granted and voided", s).isEmpty();
            java.util.Set<String> inTwo = new java.util.HashSet<>(ledger.keySet());
            inTwo.retainAll(merged.keySet());
            assertThat(inTwo).as("coupon_sns in two segments").isEmpty();
            merged.putAll(ledger);
            transfers.add(redis.hgetall(Registry.transfersKey(s)));
        }
        long inFlight = SaleSegments.inFlight(transfers).stream().mapToLong(SaleSegments.Transfer::amount).sum();
        assertThat(stock + inFlight + merged.size()).as("total = stock of every segment + in flight + ledgers")
                .isEqualTo(sale.totalCount());
        UserCouponRepository rows = new UserCouponRepository(db);
        await("user_coupons rows of activity " + sale.id()).atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> rows.countByActivity(sale.id()) >= merged.size());
        assertThat(rows.ownersByActivity(sale.id()))
                .as("every ledger entry has exactly one row with its owner, and no row without entry")
                .isEqualTo(ledgerOwners);
        return merged;
    }

    /** A user_coupons row of a sale, as far as the comparison needs it. */
    public record Row(String couponSn, long user, int seq, String requestId) {}

    /** What {@link #compare} found: a one-line summary to print, and every broken invariant (empty when all hold). */
    public record Comparison(String found, List<String> problems) {}

    /** The user_coupons rows of {@code activityId}. */
    public static List<Row> rows(DataSource db, long activityId) {
        String sql = "SELECT coupon_sn, user_id, seq, request_id FROM " + Registry.TABLE_USER_COUPONS
                + " WHERE activity_id=?";
        List<Row> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getString(4)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the rows of activity " + activityId, e);
        }
        return rows;
    }

    /** Grants of {@code activityId} the user_coupons sink could not write (another row was in their way). */
    public static long grantConflicts(DataSource db, long activityId) {
        String sql = "SELECT COUNT(*) FROM " + Registry.TABLE_GRANT_CONFLICTS + " WHERE activity_id=?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting the grant conflicts of activity " + activityId, e);
        }
    }

    /**
     * The sale's rows against what its clients saw, once grabs have stopped and their rows landed.
     * {@code remaining} is the stock the service reports left. Problems, each named:
     * <ul>
     * <li>oversell: more rows than {@code total};
     * <li>a lost or re-sold coupon: rows + remaining != total (a grant without its row, or stock that
     *     came back after it was sold);
     * <li>a user above {@code perUserLimit}: more rows, or a seq outside 1..limit;
     * <li>a GRANTED answer without exactly one row with that coupon_sn, for that user and request_id;
     * <li>a row for a refused grab: a row of a request_id whose first outcome was a refusal, or a
     *     second row of one request_id, or another coupon_sn than the one it was answered; and rows
     *     without request_id nobody was told GRANTED, beyond that user's grabs of unknown outcome;
     * <li>a row of a request_id the client never sent;
     * <li>a grant the sink could not write (grant_conflicts);
     * <li>on the clients' side: a request_id answered another definitive outcome than its first (a
     *     grant with another coupon_sn, a refusal after a grant or the reverse, another refusal), and a
     *     user told GRANTED for more coupons than the limit.
     * </ul>
     */
    public static Comparison compare(DataSource db, long activityId, int total, int perUserLimit, long remaining,
            ClientView seen) {
        List<Row> rows = rows(db, activityId);
        long conflicts = grantConflicts(db, activityId);
        Problems problems = new Problems();

        if (rows.size() > total) {
            problems.add("oversold", rows.size() + " rows for a total of " + total);
        }
        if (rows.size() + remaining != total) {
            problems.add(rows.size() + remaining > total ? "stock sold twice" : "grants without a row",
                    "rows " + rows.size() + " + remaining " + remaining + " = " + (rows.size() + remaining)
                            + ", total " + total);
        }

        Map<String, Row> bySn = new HashMap<>();
        Map<Long, List<Row>> byUser = new TreeMap<>();
        Map<String, List<Row>> byRequest = new TreeMap<>();
        for (Row r : rows) {
            bySn.put(r.couponSn(), r);
            byUser.computeIfAbsent(r.user(), u -> new ArrayList<>()).add(r);
            if (r.requestId() != null) {
                byRequest.computeIfAbsent(r.user() + ":" + r.requestId(), k -> new ArrayList<>()).add(r);
            }
        }
        int atLimit = 0;
        for (Map.Entry<Long, List<Row>> e : byUser.entrySet()) {
            List<Row> mine = e.getValue();
            if (mine.size() >= perUserLimit) {
                atLimit++;
            }
            if (mine.size() > perUserLimit || mine.stream().anyMatch(r -> r.seq() < 1 || r.seq() > perUserLimit)) {
                problems.add("user above the limit", "user " + e.getKey() + " holds " + mine + " (limit "
                        + perUserLimit + ")");
            }
        }

        Map<Long, List<String>> toldByUser = new TreeMap<>();
        seen.grants().forEach((sn, g) -> toldByUser.computeIfAbsent(g.user(), u -> new ArrayList<>()).add(sn));
        toldByUser.forEach((user, sns) -> {
            if (sns.size() > perUserLimit) {
                problems.add("user told of more than the limit", "user " + user + " was told GRANTED for " + sns
                        + " (limit " + perUserLimit + ")");
            }
        });
        seen.requests().forEach((requestId, asked) -> asked.answers().stream()
                .filter(a -> !a.equals(asked.first())).findFirst()
                .ifPresent(other -> problems.add("request_id answered " + asked.first().code() + ", later "
                        + other.code(), requestId + " of user " + asked.user() + ": " + asked.answers())));

        seen.grants().forEach((sn, g) -> {
            Row r = bySn.get(sn);
            if (r == null) {
                problems.add("GRANTED without a row", sn + " told to user " + g.user() + " (request " + g.requestId()
                        + ")");
            } else if (r.user() != g.user() || !java.util.Objects.equals(r.requestId(), g.requestId())) {
                problems.add("GRANTED with another row", sn + " told to user " + g.user() + " (request "
                        + g.requestId() + "), row " + r);
            }
        });

        byRequest.forEach((key, mine) -> {
            String requestId = mine.get(0).requestId();
            ClientView.Asked asked = seen.requests().get(requestId);
            if (asked == null || asked.user() != mine.get(0).user()) {
                problems.add("row of a request never sent", mine.toString());
                return;
            }
            if (mine.size() > 1) {
                problems.add("request with several rows", requestId + ": " + mine);
            }
            if (asked.first() == null) {
                return; // the client never learnt its outcome: one row or none are both right
            }
            if (!asked.first().isGrant()) {
                problems.add("row for a refused grab", requestId + " was answered " + asked.first() + ", rows " + mine);
            } else if (mine.stream().anyMatch(r -> !r.couponSn().equals(asked.first().couponSn()))) {
                problems.add("request with another coupon", requestId + " was answered " + asked.first() + ", rows "
                        + mine);
            }
        });

        Map<Long, List<String>> untold = new TreeMap<>();
        for (Row r : rows) {
            if (r.requestId() == null && !seen.grants().containsKey(r.couponSn())) {
                untold.computeIfAbsent(r.user(), u -> new ArrayList<>()).add(r.couponSn());
            }
        }
        int untoldRows = 0;
        for (Map.Entry<Long, List<String>> e : untold.entrySet()) {
            untoldRows += e.getValue().size();
            int unknown = seen.unknownWithoutRequestId().getOrDefault(e.getKey(), 0);
            if (e.getValue().size() > unknown) {
                problems.add("row for a refused grab", "user " + e.getKey() + " holds " + e.getValue()
                        + " without request_id that no GRANTED answer named, but sent only " + unknown
                        + " grab(s) of unknown outcome");
            }
        }
        if (conflicts > 0) {
            problems.add("grant conflicts", conflicts + " grant(s) of the sale the sink could not write");
        }

        long refused = seen.requests().values().stream().filter(a -> a.first() != null && !a.first().isGrant()).count();
        long unknownRequests = seen.requests().values().stream().filter(a -> a.first() == null).count();
        long grantsWithId = seen.grants().values().stream().filter(g -> g.requestId() != null).count();
        String found = String.format("rows %d (users %d, %d at the limit of %d), remaining %d, total %d;"
                + " client told GRANTED for %d coupons (%d with a request_id, %d without); request_ids %d"
                + " (granted %d, refused %d, outcome never learnt %d); grabs without request_id of unknown outcome %d;"
                + " rows without request_id nobody was told of %d; grant conflicts %d",
                rows.size(), byUser.size(), atLimit, perUserLimit, remaining, total, seen.grants().size(), grantsWithId,
                seen.grants().size() - grantsWithId, seen.requests().size(),
                seen.requests().size() - refused - unknownRequests, refused, unknownRequests,
                seen.unknownWithoutRequestId().values().stream().mapToInt(Integer::intValue).sum(), untoldRows,
                conflicts);
        return new Comparison(found, problems.list());
    }

    /** Problems by kind, at most 20 examples of each (and how many there were), for one readable failure. */
    private static final class Problems {
        private final Map<String, List<String>> byKind = new TreeMap<>();

        void add(String kind, String example) {
            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(example);
        }

        List<String> list() {
            List<String> out = new ArrayList<>();
            byKind.forEach((kind, examples) -> out.add(kind + " (" + examples.size() + "): "
                    + examples.subList(0, Math.min(20, examples.size()))));
            return out;
        }
    }
}
