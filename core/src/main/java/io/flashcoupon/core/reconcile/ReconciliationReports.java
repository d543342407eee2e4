package io.flashcoupon.core.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.db.Sql;
import io.flashcoupon.core.sale.Segment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * reconciliation_reports: the latest report of each activity (JSON, snake_case) and when its sale
 * was cleaned out of Redis. Several instances may reconcile the same sale at once: a report only
 * replaces an older one, never a newer one.
 */
public final class ReconciliationReports {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final String TABLE = Registry.TABLE_RECONCILIATION_REPORTS;

    private final DataSource dataSource;

    public ReconciliationReports(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The latest report of an activity and, once cleaned up, when. */
    public record Stored(ReconciliationReport report, Instant cleanedAt) {}

    /** Stores {@code report} as the activity's latest unless a newer one is stored already. */
    public void save(ReconciliationReport report) {
        String json = toJson(report);
        long ranAt = report.ranAt().toEpochMilli();
        String insert = "INSERT INTO " + TABLE + " (activity_id, ran_at_ms, complete, report) VALUES (?,?,?,?)"
                + " ON DUPLICATE KEY UPDATE activity_id = activity_id";
        String update = "UPDATE " + TABLE + " SET ran_at_ms=?, complete=?, report=? WHERE activity_id=? AND ran_at_ms<=?";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement(insert); PreparedStatement upd = c.prepareStatement(update)) {
                ins.setLong(1, report.activityId());
                ins.setLong(2, ranAt);
                ins.setBoolean(3, report.complete());
                ins.setString(4, json);
                ins.executeUpdate();
                upd.setLong(1, ranAt);
                upd.setBoolean(2, report.complete());
                upd.setString(3, json);
                upd.setLong(4, report.activityId());
                upd.setLong(5, ranAt);
                upd.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new DataAccessException("store reconciliation report of activity " + report.activityId() + " failed", e);
        }
    }

    /** Records that the sale of {@code activityId} was removed from Redis. */
    public void markCleaned(long activityId, Instant at) {
        String sql = "UPDATE " + TABLE + " SET cleaned_at_ms=? WHERE activity_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, at.toEpochMilli());
            ps.setLong(2, activityId);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("no reconciliation report of activity " + activityId + " to mark cleaned");
            }
        } catch (SQLException e) {
            throw new DataAccessException("mark activity " + activityId + " cleaned failed", e);
        }
    }

    public Optional<Stored> find(long activityId) {
        String sql = "SELECT report, cleaned_at_ms FROM " + TABLE + " WHERE activity_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Long cleaned = Sql.getNullableLong(rs, "cleaned_at_ms");
                return Optional.of(new Stored(fromJson(rs.getString("report")),
                        cleaned == null ? null : Instant.ofEpochMilli(cleaned)));
            }
        } catch (SQLException e) {
            throw new DataAccessException("read reconciliation report of activity " + activityId + " failed", e);
        }
    }

    /** Activities whose sale was started and not cleaned up (ACTIVE, PAUSED, ENDED), by id. */
    public List<Long> activitiesToReconcile() {
        List<Long> out = new ArrayList<>();
        forEachLive((segments, id) -> out.add(id));
        return out;
    }

    /** The segments of every sale {@link #activitiesToReconcile} lists (one per sale that is not split). */
    public List<Segment> segmentsToReconcile() {
        List<Segment> out = new ArrayList<>();
        forEachLive((segments, id) -> out.addAll(Segment.all(id, segments)));
        return out;
    }

    /** Calls {@code each} with the id and segment count of every live sale, by id. */
    private void forEachLive(java.util.function.ObjLongConsumer<Integer> each) {
        String sql = "SELECT a.id, a.segments FROM " + Registry.TABLE_ACTIVITIES + " a LEFT JOIN " + TABLE
                + " r ON r.activity_id = a.id WHERE a.status IN (?,?,?) AND r.cleaned_at_ms IS NULL ORDER BY a.id";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, ActivityStatus.ACTIVE.code());
            ps.setInt(2, ActivityStatus.PAUSED.code());
            ps.setInt(3, ActivityStatus.ENDED.code());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    each.accept(rs.getInt(2), rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new DataAccessException("list activities to reconcile failed", e);
        }
    }

    static String toJson(ReconciliationReport report) {
        try {
            return JSON.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write reconciliation report as JSON", e);
        }
    }

    static ReconciliationReport fromJson(String json) {
        try {
            return JSON.readValue(json, ReconciliationReport.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored reconciliation report is not readable: " + e.getOriginalMessage(), e);
        }
    }
}
