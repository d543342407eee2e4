package io.flashcoupon.core.wallet;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.SortedMap;
import javax.sql.DataSource;

/**
 * The materialized figure of each flash sale without counting its rows: sale_row_counts holds, per
 * sale, the user_coupons rows the sink inserted, added in the sink's own batch transaction (so it moves
 * exactly with the rows, and only for rows actually inserted). Operators read it in the admin status.
 * The fence check reads it every pass for every live sale (SaleFence: rows beyond the ledger mean Redis
 * lost grants). Reconciliation does not trust it: it counts the rows themselves (SaleFiguresReader), so
 * a row written outside the sink, which the fence does not see, still shows there.
 * Known gap: rows written to user_coupons by anything but the sink (manual SQL) are not counted.
 */
public final class SaleRowCounts {
    private static final String TABLE = Registry.TABLE_SALE_ROW_COUNTS;
    private static final String ADD = "INSERT INTO " + TABLE + " (activity_id, materialized) VALUES (?,?)"
            + " ON DUPLICATE KEY UPDATE materialized = materialized + ?";

    private final DataSource dataSource;

    public SaleRowCounts(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Rows the sink inserted for {@code activityId} (0 for a sale without any). */
    public long materialized(long activityId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT materialized FROM " + TABLE + " WHERE activity_id=?")) {
            ps.setLong(1, activityId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new DataAccessException("read the row count of activity " + activityId + " failed", e);
        }
    }

    /**
     * Adds {@code inserted} (activity -> rows inserted now) inside the caller's transaction, in activity
     * order so two batches never wait for each other's counter rows in opposite orders.
     */
    public static void add(Connection c, SortedMap<Long, Long> inserted) throws SQLException {
        if (inserted.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(ADD)) {
            for (Map.Entry<Long, Long> e : inserted.entrySet()) {
                ps.setLong(1, e.getKey());
                ps.setLong(2, e.getValue());
                ps.setLong(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
