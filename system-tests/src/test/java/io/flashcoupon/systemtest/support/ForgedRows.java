package io.flashcoupon.systemtest.support;

import io.flashcoupon.core.Registry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;

/**
 * A user_coupons row written by plain SQL, behind the service's back: what a test needs to stage a row
 * without a ledger entry, a conflicting coupon_sn on a taken (activity, user, seq), or a row a
 * reconciliation must find. Status UNUSED, obtained now (whole seconds), valid for 30 days.
 */
public final class ForgedRows {
    private ForgedRows() {
    }

    /** Inserts the row; {@code requestId} may be null. */
    public static void insert(DataSource db, long templateId, long activityId, long userId, int seq, String couponSn,
            String requestId) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + Registry.TABLE_USER_COUPONS
                        + " (coupon_id, activity_id, seq, user_id, coupon_sn, status, obtain_time, granted_at_ms,"
                        + " valid_start_time, valid_end_time, request_id) VALUES (?,?,?,?,?,1,?,?,?,?,?)")) {
            ps.setLong(1, templateId);
            ps.setLong(2, activityId);
            ps.setInt(3, seq);
            ps.setLong(4, userId);
            ps.setString(5, couponSn);
            ps.setTimestamp(6, now);
            ps.setLong(7, now.getTime());
            ps.setTimestamp(8, now);
            ps.setTimestamp(9, Timestamp.from(now.toInstant().plus(Duration.ofDays(30))));
            ps.setString(10, requestId);
            ps.executeUpdate();
        }
    }
}
