package io.flashcoupon.core.audit;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * audit_log: appends records (one INFO line each) and reads them newest first with filters. Rows
 * are never updated or deleted. An insert that fails throws {@link DataAccessException} after an
 * ERROR line carrying the whole record but its states, so a record is never dropped silently: the
 * caller answers 500 (docs/decisions.md "Audit log").
 */
public final class AuditLog {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final String TABLE = Registry.TABLE_AUDIT_LOG;
    private static final String COLUMNS = String.join(", ", Registry.AUDIT_COLUMNS);

    private final DataSource dataSource;

    public AuditLog(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Stores {@code r} in its own transaction and returns it with its id. */
    public AuditRecord append(AuditRecord r) {
        String sql = "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, r.atMs());
            ps.setString(2, r.actorName());
            ps.setString(3, r.actorRole());
            ps.setString(4, r.action());
            ps.setString(5, r.targetType());
            ps.setString(6, r.targetId());
            ps.setString(7, r.requestId());
            ps.setString(8, r.outcome().name());
            if (r.httpStatus() == null) {
                ps.setNull(9, Types.INTEGER);
            } else {
                ps.setInt(9, r.httpStatus());
            }
            ps.setString(10, r.reason());
            ps.setString(11, r.before());
            ps.setString(12, r.after());
            ps.executeUpdate();
            long id;
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                id = keys.getLong(1);
            }
            log.info("{} id={}", r.logLine(), id);
            return r.withId(id);
        } catch (SQLException | RuntimeException e) {
            log.error("{} NOT STORED in {}", r.logLine(), TABLE, e);
            throw new DataAccessException("the audit record could not be stored", e);
        }
    }

    /** The rows {@code q} selects, newest first (highest id first). */
    public List<AuditRecord> list(AuditQuery q) {
        StringBuilder sql = new StringBuilder("SELECT ").append(Registry.AUDIT_ID).append(", ").append(COLUMNS)
                .append(" FROM ").append(TABLE).append(" WHERE 1=1");
        List<Object> args = new ArrayList<>();
        where(sql, args, Registry.AUDIT_ACTOR_NAME + " = ?", q.actorName());
        where(sql, args, Registry.AUDIT_ACTION + " = ?", q.action());
        where(sql, args, Registry.AUDIT_TARGET_TYPE + " = ?", q.targetType());
        where(sql, args, Registry.AUDIT_TARGET_ID + " = ?", q.targetId());
        where(sql, args, Registry.AUDIT_AT_MS + " >= ?", q.fromMs());
        where(sql, args, Registry.AUDIT_AT_MS + " < ?", q.toMs());
        where(sql, args, Registry.AUDIT_ID + " < ?", q.beforeId() > 0 ? q.beforeId() : null);
        sql.append(" ORDER BY ").append(Registry.AUDIT_ID).append(" DESC LIMIT ?");
        args.add(q.limit());
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<AuditRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int status = rs.getInt(Registry.AUDIT_HTTP_STATUS);
                    Integer httpStatus = rs.wasNull() ? null : status;
                    out.add(new AuditRecord(rs.getLong(Registry.AUDIT_ID), rs.getLong(Registry.AUDIT_AT_MS),
                            rs.getString(Registry.AUDIT_ACTOR_NAME), rs.getString(Registry.AUDIT_ACTOR_ROLE),
                            rs.getString(Registry.AUDIT_ACTION), rs.getString(Registry.AUDIT_TARGET_TYPE),
                            rs.getString(Registry.AUDIT_TARGET_ID), rs.getString(Registry.AUDIT_REQUEST_ID),
                            AuditRecord.Outcome.valueOf(rs.getString(Registry.AUDIT_OUTCOME)), httpStatus,
                            rs.getString(Registry.AUDIT_REASON), rs.getString(Registry.AUDIT_BEFORE),
                            rs.getString(Registry.AUDIT_AFTER)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("reading " + TABLE + " failed", e);
        }
    }

    private static void where(StringBuilder sql, List<Object> args, String clause, Object value) {
        if (value != null) {
            sql.append(" AND ").append(clause);
            args.add(value);
        }
    }
}
