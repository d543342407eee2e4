package io.flashcoupon.core.reconcile;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.db.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * grant_conflicts: grants the user_coupons sink could not write ({@link GrantConflict}). The sink
 * records them inside its own batch transaction ({@link #recordNew}), reconciliation reads a sale's
 * ({@link #byActivity}), an operator marks one resolved ({@link #resolve}). Rows are never deleted:
 * a resolved conflict stays as the record of what happened.
 */
public final class GrantConflicts {
    /** The longest resolution text kept. */
    public static final int MAX_RESOLUTION = 500;

    private static final String TABLE = Registry.TABLE_GRANT_CONFLICTS;
    private static final String COLUMNS = "coupon_sn, existing_coupon_sn, activity_id, user_id, seq, detected_at_ms,"
            + " resolved_at_ms, resolution";

    private final DataSource dataSource;

    public GrantConflicts(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Records those of {@code found} not recorded yet, on {@code c} inside the caller's transaction,
     * and returns them (the others were recorded by an earlier delivery of the same grant).
     */
    public static List<GrantConflict> recordNew(Connection c, List<GrantConflict> found) throws SQLException {
        if (found.isEmpty()) {
            return List.of();
        }
        Set<GrantConflict.Key> known = new HashSet<>();
        StringBuilder select = new StringBuilder("SELECT coupon_sn, activity_id, user_id, seq FROM ").append(TABLE)
                .append(" WHERE coupon_sn IN (");
        for (int i = 0; i < found.size(); i++) {
            select.append(i == 0 ? "?" : ",?");
        }
        try (PreparedStatement ps = c.prepareStatement(select.append(')').toString())) {
            for (int i = 0; i < found.size(); i++) {
                ps.setString(i + 1, found.get(i).couponSn());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(new GrantConflict.Key(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getInt(4)));
                }
            }
        }
        List<GrantConflict> fresh = new ArrayList<>();
        for (GrantConflict g : found) {
            if (known.add(g.key())) {
                fresh.add(g);
            }
        }
        if (fresh.isEmpty()) {
            return fresh;
        }
        // A concurrent delivery of the same grant (two consumers during a rebalance) may insert it
        // between the select and here: the key keeps one record, the duplicate changes nothing.
        String insert = "INSERT INTO " + TABLE + " (coupon_sn, existing_coupon_sn, activity_id, user_id, seq,"
                + " detected_at_ms) VALUES (?,?,?,?,?,?) ON DUPLICATE KEY UPDATE id = id";
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            for (GrantConflict g : fresh) {
                ps.setString(1, g.couponSn());
                ps.setString(2, g.existingCouponSn());
                ps.setLong(3, g.activityId());
                ps.setLong(4, g.userId());
                ps.setInt(5, g.seq());
                ps.setLong(6, g.detectedAt().toEpochMilli());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return fresh;
    }

    /** Every conflict of a sale, open or resolved, by coupon_sn (time order). */
    public List<GrantConflict> byActivity(long activityId) {
        String sql = "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE activity_id=? ORDER BY coupon_sn, user_id, seq";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, activityId);
            return list(ps);
        } catch (SQLException e) {
            throw new DataAccessException("read grant conflicts of activity " + activityId + " failed", e);
        }
    }

    /**
     * Marks the open conflict(s) of {@code couponSn} in the sale resolved, with what the operator did;
     * returns them. NotFoundException when the sale has no conflict of that coupon, ConflictException
     * (changing nothing) when it was resolved already, InvalidInputException on an empty or too long text.
     */
    public List<GrantConflict> resolve(long activityId, String couponSn, String resolution, Instant at) {
        if (resolution == null || resolution.isBlank()) {
            throw new InvalidInputException("resolution", "must say what was done about the grant (1 to "
                    + MAX_RESOLUTION + " characters)");
        }
        if (resolution.codePointCount(0, resolution.length()) > MAX_RESOLUTION) {
            throw new InvalidInputException("resolution", "must be at most " + MAX_RESOLUTION + " characters, was "
                    + resolution.codePointCount(0, resolution.length()));
        }
        String update = "UPDATE " + TABLE + " SET resolved_at_ms=?, resolution=?"
                + " WHERE activity_id=? AND coupon_sn=? AND resolved_at_ms IS NULL";
        String select = "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE activity_id=? AND coupon_sn=? ORDER BY user_id, seq";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement upd = c.prepareStatement(update); PreparedStatement sel = c.prepareStatement(select)) {
                upd.setLong(1, at.toEpochMilli());
                upd.setString(2, resolution.strip());
                upd.setLong(3, activityId);
                upd.setString(4, couponSn);
                int changed = upd.executeUpdate();
                sel.setLong(1, activityId);
                sel.setString(2, couponSn);
                List<GrantConflict> rows = list(sel);
                c.commit();
                if (rows.isEmpty()) {
                    throw new NotFoundException("activity " + activityId + " has no grant conflict of coupon " + couponSn);
                }
                if (changed == 0) {
                    GrantConflict done = rows.get(0);
                    throw new ConflictException("the grant conflict of coupon " + couponSn + " was resolved at "
                            + done.resolvedAt() + ": " + done.resolution());
                }
                return rows;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new DataAccessException("resolve the grant conflict of coupon " + couponSn + " failed", e);
        }
    }

    private static List<GrantConflict> list(PreparedStatement ps) throws SQLException {
        List<GrantConflict> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Long resolved = Sql.getNullableLong(rs, "resolved_at_ms");
                out.add(new GrantConflict(rs.getString("coupon_sn"), rs.getString("existing_coupon_sn"),
                        rs.getLong("activity_id"), rs.getLong("user_id"), rs.getInt("seq"),
                        Instant.ofEpochMilli(rs.getLong("detected_at_ms")),
                        resolved == null ? null : Instant.ofEpochMilli(resolved), rs.getString("resolution")));
            }
        }
        return out;
    }
}
