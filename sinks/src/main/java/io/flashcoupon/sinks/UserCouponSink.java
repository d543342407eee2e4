package io.flashcoupon.sinks;

import static io.flashcoupon.core.db.Sql.setInstant;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.wallet.UserCouponStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * Writes granted coupons into user_coupons in one JDBC batch and one transaction: the writer of a
 * {@link BatchSink} keyed by coupon_sn, which merges repeated coupons inside one batch. Idempotent: a
 * coupon_sn already stored is left as it is, so redelivered events change nothing. Returns only after
 * the commit, and throws when the batch failed, so the caller can hold the consumer offset back until
 * the rows are durable. Batches, their rows and failures are metered in {@link SinkMetrics}.
 */
public final class UserCouponSink {
    private static final String INSERT = "INSERT INTO " + Registry.TABLE_USER_COUPONS
            + " (coupon_id, activity_id, seq, user_id, coupon_sn, status, obtain_time, granted_at_ms,"
            + " valid_start_time, valid_end_time) VALUES (?,?,?,?,?,?,?,?,?,?)"
            + " ON DUPLICATE KEY UPDATE coupon_sn = coupon_sn";

    private final DataSource dataSource;
    private final SinkMetrics metrics;

    public UserCouponSink(DataSource dataSource, SinkMetrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /**
     * Writes coupons of distinct coupon_sn durably; returns how many were written or already present.
     */
    public int write(List<GrantedCoupon> distinct) {
        if (distinct.isEmpty()) {
            return 0;
        }
        long start = metrics.start();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (GrantedCoupon g : distinct) {
                    ps.setLong(1, g.templateId());
                    ps.setLong(2, g.activityId());
                    ps.setInt(3, g.seq());
                    ps.setLong(4, g.userId());
                    ps.setString(5, g.couponSn());
                    ps.setInt(6, UserCouponStatus.UNUSED.code());
                    setInstant(ps, 7, Instant.ofEpochMilli(g.grantedAtMs()));
                    ps.setLong(8, g.grantedAtMs());
                    setInstant(ps, 9, g.validStart());
                    setInstant(ps, 10, g.validEnd());
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            metrics.failed();
            throw new DataAccessException("writing " + distinct.size() + " user coupons failed", e);
        } catch (RuntimeException e) {
            metrics.failed();
            throw e;
        }
        metrics.committed(distinct.size(), start);
        return distinct.size();
    }
}
