package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.db.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Table sale_fences: per live sale, the Redis run id it was last verified on, its fence while a heal
 * runs (durable, so a Redis that lost the fence flag is fenced again before anything else), and what
 * the latest heal did. Written only by {@link SaleFence}; every write is idempotent.
 */
public final class SaleFences {
    private static final String TABLE = Registry.TABLE_SALE_FENCES;

    private final DataSource dataSource;

    public SaleFences(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One sale's row; {@code fencedAtMs} not null = fenced. */
    public record Row(long activityId, String redisRunId, Long fencedAtMs, String reason, Long healedAtMs,
            Long lastFencedMs, long snsReadded, long oversoldBy, int heals) {

        /** The report's {@code healed} section, or null when the sale was never fenced. */
        public ReconciliationReport.Healed healed() {
            if (fencedAtMs == null && healedAtMs == null) {
                return null;
            }
            return new ReconciliationReport.Healed(fencedAtMs != null, fencedAtMs != null ? fencedAtMs : lastFencedMs,
                    healedAtMs, reason, snsReadded, oversoldBy, heals);
        }
    }

    public Optional<Row> find(long activityId) {
        String sql = "SELECT redis_run_id, fenced_at_ms, reason, healed_at_ms, last_fenced_ms, sns_readded, oversold_by,"
                + " heals FROM " + TABLE + " WHERE activity_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Row(activityId, rs.getString(1), Sql.getNullableLong(rs, "fenced_at_ms"),
                        rs.getString(3), Sql.getNullableLong(rs, "healed_at_ms"),
                        Sql.getNullableLong(rs, "last_fenced_ms"), rs.getLong(6), rs.getLong(7), rs.getInt(8)));
            }
        } catch (SQLException e) {
            throw new DataAccessException("read the fence of activity " + activityId + " failed", e);
        }
    }

    /** Reads a sale's report section {@code healed} (null when never fenced), for the reconciler. */
    public java.util.function.LongFunction<ReconciliationReport.Healed> healedReader() {
        return id -> find(id).map(Row::healed).orElse(null);
    }

    /** Records that the sale was verified on Redis process {@code runId}. */
    public void verified(long activityId, String runId) {
        update(activityId, "INSERT INTO " + TABLE + " (activity_id, redis_run_id) VALUES (?,?)"
                + " ON DUPLICATE KEY UPDATE redis_run_id = VALUES(redis_run_id)", runId);
    }

    /** Fences the sale for {@code reason} unless it is fenced already (the first fence's time and reason stay). */
    public void fence(long activityId, String reason, long atMs) {
        String sql = "INSERT INTO " + TABLE + " (activity_id, fenced_at_ms, reason) VALUES (?,?,?)"
                + " ON DUPLICATE KEY UPDATE reason = IF(fenced_at_ms IS NULL, VALUES(reason), reason),"
                + " fenced_at_ms = IFNULL(fenced_at_ms, VALUES(fenced_at_ms))";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            ps.setLong(2, atMs);
            ps.setString(3, reason);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new DataAccessException("fence activity " + activityId + " failed", e);
        }
    }

    /** Lifts the fence: the heal finished on Redis process {@code runId}. */
    public void healed(long activityId, String runId, long atMs, long snsReadded, long oversoldBy) {
        String sql = "UPDATE " + TABLE + " SET redis_run_id=?, last_fenced_ms=fenced_at_ms, fenced_at_ms=NULL,"
                + " healed_at_ms=?, sns_readded=?, oversold_by=?, heals=heals+1 WHERE activity_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, runId);
            ps.setLong(2, atMs);
            ps.setLong(3, snsReadded);
            ps.setLong(4, oversoldBy);
            ps.setLong(5, activityId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new DataAccessException("record the heal of activity " + activityId + " failed", e);
        }
    }

    private void update(long activityId, String sql, String value) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            ps.setString(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new DataAccessException("update the fence of activity " + activityId + " failed", e);
        }
    }
}
