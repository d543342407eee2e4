package io.flashcoupon.core.activity;

import static io.flashcoupon.core.db.Sql.getInstant;
import static io.flashcoupon.core.db.Sql.setInstant;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import javax.sql.DataSource;

/** flash_sale_activities. Status changes are conditional updates: the affected-row count decides. */
public final class ActivityRepository {
    private static final String SELECT = "SELECT id, coupon_id, name, total_count, start_time, end_time,"
            + " per_user_limit, status, segments FROM " + Registry.TABLE_ACTIVITIES;

    private final DataSource dataSource;

    public ActivityRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Inserts a validated activity in state PENDING and returns it as stored. */
    public Activity insert(Activity a) {
        String sql = "INSERT INTO " + Registry.TABLE_ACTIVITIES
                + " (coupon_id, name, total_count, start_time, end_time, per_user_limit, status, segments) VALUES (?,?,?,?,?,?,?,?)";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, a.templateId());
            ps.setString(2, a.name());
            ps.setInt(3, a.totalCount());
            setInstant(ps, 4, a.startTime());
            setInstant(ps, 5, a.endTime());
            ps.setInt(6, a.perUserLimit());
            ps.setInt(7, ActivityStatus.PENDING.code());
            ps.setInt(8, a.segments());
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return find(keys.getLong(1)).orElseThrow();
            }
        } catch (SQLException e) {
            throw new DataAccessException("insert activity failed", e);
        }
    }

    public Optional<Activity> find(long id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id=?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new DataAccessException("read activity " + id + " failed", e);
        }
    }

    /** Activities with id below {@code beforeId} (0 = from the newest), newest first. */
    public List<Activity> list(long beforeId, int limit) {
        String sql = SELECT + (beforeId > 0 ? " WHERE id<?" : "") + " ORDER BY id DESC LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (beforeId > 0) {
                ps.setLong(i++, beforeId);
            }
            ps.setInt(i, limit);
            List<Activity> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("list activities failed", e);
        }
    }

    /**
     * Pins the terms the sale of {@code id} sells: its template's current version, unless a version is
     * pinned already (a retried start keeps the first one, which grants may already carry). Called
     * by the start before Redis is seeded, so every grant of the sale finds its version. Returns the
     * pinned version; empty when the activity does not exist.
     */
    public OptionalInt pinTerms(long id) {
        String sql = "UPDATE " + Registry.TABLE_ACTIVITIES + " a SET a.template_version = (SELECT t.version FROM "
                + Registry.TABLE_TEMPLATES + " t WHERE t.id = a.coupon_id) WHERE a.id=? AND a.template_version IS NULL";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new DataAccessException("pin the terms of activity " + id + " failed", e);
        }
        return pinnedVersion(id);
    }

    /** The template version the sale of {@code id} sells; empty while none is pinned (PENDING) or no such activity. */
    public OptionalInt pinnedVersion(long id) {
        String sql = "SELECT template_version FROM " + Registry.TABLE_ACTIVITIES + " WHERE id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return OptionalInt.empty();
                }
                int v = rs.getInt(1);
                return rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(v);
            }
        } catch (SQLException e) {
            throw new DataAccessException("read the terms version of activity " + id + " failed", e);
        }
    }

    /** Moves {@code id} from {@code from} to {@code to}; false when it was not in {@code from}. */
    public boolean transition(long id, ActivityStatus from, ActivityStatus to) {
        String sql = "UPDATE " + Registry.TABLE_ACTIVITIES + " SET status=? WHERE id=? AND status=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, to.code());
            ps.setLong(2, id);
            ps.setInt(3, from.code());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new DataAccessException("update activity " + id + " failed", e);
        }
    }

    /**
     * Sets status and total_count of {@code id} if the row still holds {@code fromStatus} and
     * {@code fromTotal} (compare-and-set); false when it changed since it was read.
     */
    public boolean compareAndSet(long id, ActivityStatus fromStatus, int fromTotal, ActivityStatus toStatus,
            int toTotal) {
        String sql = "UPDATE " + Registry.TABLE_ACTIVITIES
                + " SET status=?, total_count=? WHERE id=? AND status=? AND total_count=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, toStatus.code());
            ps.setInt(2, toTotal);
            ps.setLong(3, id);
            ps.setInt(4, fromStatus.code());
            ps.setInt(5, fromTotal);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new DataAccessException("update activity " + id + " failed", e);
        }
    }

    private static Activity map(ResultSet rs) throws SQLException {
        return new Activity(
                rs.getLong("id"),
                rs.getLong("coupon_id"),
                rs.getString("name"),
                rs.getInt("total_count"),
                getInstant(rs, "start_time"),
                getInstant(rs, "end_time"),
                rs.getInt("per_user_limit"),
                ActivityStatus.ofCode(rs.getInt("status")),
                rs.getInt("segments"));
    }
}
