package io.flashcoupon.core.wallet;

import static io.flashcoupon.core.db.Sql.getInstant;
import static io.flashcoupon.core.db.Sql.getNullableLong;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Reads of user_coupons (rows are written by the sinks module). */
public final class UserCouponRepository {
    private static final String SELECT = "SELECT id, coupon_sn, coupon_id, template_version, activity_id, seq,"
            + " user_id, status, obtain_time, granted_at_ms, valid_start_time, valid_end_time, order_sn, used_time,"
            + " lock_deadline FROM "
            + Registry.TABLE_USER_COUPONS;

    private final DataSource dataSource;

    public UserCouponRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A user's coupons with id below {@code beforeId} (0 = from the newest), newest first. */
    public List<UserCoupon> listByUser(long userId, UserCouponStatus status, long beforeId, int limit) {
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE user_id=?");
        if (status != null) {
            sql.append(" AND status=?");
        }
        if (beforeId > 0) {
            sql.append(" AND id<?");
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            ps.setLong(i++, userId);
            if (status != null) {
                ps.setInt(i++, status.code());
            }
            if (beforeId > 0) {
                ps.setLong(i++, beforeId);
            }
            ps.setInt(i, limit);
            List<UserCoupon> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("list coupons of user " + userId + " failed", e);
        }
    }

    /**
     * The newest {@code limit} coupons of each of {@code userIds} (id descending), in one statement: a
     * UNION ALL of one index-ordered read per user, so a user with many coupons costs {@code limit} rows,
     * not all of them. Users without coupons are absent from the map. The wallet cache's batch loader.
     */
    public Map<Long, List<UserCoupon>> newestOf(List<Long> userIds, int limit) {
        Map<Long, List<UserCoupon>> out = new HashMap<>();
        if (userIds.isEmpty()) {
            return out;
        }
        if (userIds.size() == 1) {
            List<UserCoupon> rows = listByUser(userIds.get(0), null, 0, limit);
            if (!rows.isEmpty()) {
                out.put(userIds.get(0), rows);
            }
            return out;
        }
        userIds = userIds.stream().distinct().toList(); // a user twice would get every row twice
        String one = "(" + SELECT + " WHERE user_id=? ORDER BY id DESC LIMIT ?)";
        StringBuilder sql = new StringBuilder(one.length() * userIds.size() + 16 * userIds.size());
        for (int i = 0; i < userIds.size(); i++) {
            sql.append(i == 0 ? "" : " UNION ALL ").append(one);
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            for (long u : userIds) {
                ps.setLong(i++, u);
                ps.setInt(i++, limit);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UserCoupon row = map(rs);
                    out.computeIfAbsent(row.userId(), u -> new ArrayList<>()).add(row);
                }
            }
        } catch (SQLException e) {
            throw new DataAccessException("list coupons of " + userIds.size() + " users failed", e);
        }
        // UNION ALL keeps no order across its parts: each user's rows newest first, as a single read gives them
        out.values().forEach(rows -> rows.sort((a, b) -> Long.compare(b.id(), a.id())));
        return out;
    }

    /** One coupon by id, empty when there is none. */
    public java.util.Optional<UserCoupon> find(long id) {
        try (Connection c = dataSource.getConnection()) {
            return java.util.Optional.ofNullable(find(c, id, false));
        } catch (SQLException e) {
            throw new DataAccessException("read coupon " + id + " failed", e);
        }
    }

    /** One coupon by id inside the caller's transaction, null when there is none. */
    public static UserCoupon find(Connection c, long id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id=?" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? map(rs) : null;
            }
        }
    }

    /**
     * Every coupon of a user (newest first, at most {@code limit}): the wallet an order is matched
     * against.
     */
    public List<UserCoupon> wallet(long userId, int limit) {
        return listByUser(userId, null, 0, limit);
    }

    /** Number of rows materialized for a flash sale. */
    public long countByActivity(long activityId) {
        String sql = "SELECT COUNT(*) FROM " + Registry.TABLE_USER_COUPONS + " WHERE activity_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new DataAccessException("count coupons of activity " + activityId + " failed", e);
        }
    }

    /**
     * Up to {@code limit} rows of a flash sale with id > {@code afterId}, by id (keyset paging: a heal
     * reads a sale of any size in pages, and rows landing meanwhile come last).
     */
    public List<GrantRecord> grantsAfter(long activityId, long afterId, int limit) {
        String sql = "SELECT id, coupon_sn, user_id, seq, granted_at_ms, request_id FROM " + Registry.TABLE_USER_COUPONS
                + " WHERE activity_id=? AND id>? ORDER BY id LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            ps.setLong(2, afterId);
            ps.setInt(3, limit);
            List<GrantRecord> out = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new GrantRecord(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getInt(4), rs.getLong(5),
                            rs.getString(6)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("read grants of activity " + activityId + " after row " + afterId + " failed", e);
        }
    }

    /** coupon_sn -> user id of every row of a flash sale (for reconciliation and tests). */
    public Map<String, Long> ownersByActivity(long activityId) {
        String sql = "SELECT coupon_sn, user_id FROM " + Registry.TABLE_USER_COUPONS + " WHERE activity_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            Map<String, Long> out = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("read coupons of activity " + activityId + " failed", e);
        }
    }

    /** coupon_sn, user and seq of every row of a flash sale (in no particular order). */
    public List<GrantRow> grantsByActivity(long activityId) {
        String sql = "SELECT coupon_sn, activity_id, user_id, seq FROM " + Registry.TABLE_USER_COUPONS
                + " WHERE activity_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            List<GrantRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new GrantRow(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getInt(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("read grants of activity " + activityId + " failed", e);
        }
    }

    /**
     * The coupon client request {@code requestId} of {@code userId} was granted in a flash sale, from
     * its row (column request_id, index idx_activity_user_request): how a retry is answered once the
     * sale's Redis keys were cleaned up. Empty when no row carries that request id.
     */
    public java.util.Optional<GrantRow> findByRequest(long activityId, long userId, String requestId) {
        String sql = "SELECT coupon_sn, activity_id, user_id, seq FROM " + Registry.TABLE_USER_COUPONS
                + " WHERE activity_id=? AND user_id=? AND request_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            ps.setLong(2, userId);
            ps.setString(3, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of(new GrantRow(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getInt(4)));
            }
        } catch (SQLException e) {
            throw new DataAccessException("read the grant of request " + requestId + " of user " + userId
                    + " in activity " + activityId + " failed", e);
        }
    }

    /**
     * The row of {@link #SELECT}, by column position: by name, Connector/J looked each of the 15 labels up
     * case-insensitively, which was a tenth of a cold wallet read's CPU (docs/performance.md).
     */
    private static UserCoupon map(ResultSet rs) throws SQLException {
        return new UserCoupon(
                rs.getLong(1),                 // id
                rs.getString(2),               // coupon_sn
                rs.getLong(3),                 // coupon_id
                rs.getInt(4),                  // template_version
                getNullableLong(rs, 5),        // activity_id
                rs.getInt(6),                  // seq
                rs.getLong(7),                 // user_id
                UserCouponStatus.ofCode(rs.getInt(8)),
                getInstant(rs, 9),             // obtain_time
                rs.getLong(10),                // granted_at_ms
                getInstant(rs, 11),            // valid_start_time
                getInstant(rs, 12),            // valid_end_time
                rs.getString(13),              // order_sn
                getInstant(rs, 14),            // used_time
                getInstant(rs, 15));           // lock_deadline
    }
}
