package io.flashcoupon.core.wallet;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.db.Sql;
import io.flashcoupon.core.outbox.LifecycleEvents;
import io.flashcoupon.proto.v1.EventType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The two wallet jobs' single passes. Each candidate row changes in its own local transaction:
 * one conditional UPDATE (that re-checks the status and the deadline, so a coupon used, unlocked
 * or expired meanwhile - by a Saga branch or by this job on another instance - is left alone)
 * plus its outbox event when the UPDATE changed the row. Several instances may run them at once:
 * each row changes and is announced once.
 */
public final class WalletExpiry {
    private static final String T = Registry.TABLE_USER_COUPONS;

    private final DataSource dataSource;

    public WalletExpiry(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Releases up to {@code limit} locks whose deadline is before {@code now}: LOCKED -> UNUSED. Returns how many. */
    public int releaseExpiredLocks(Instant now, int limit) {
        List<Long> ids = candidates("status=2 AND lock_deadline<?", now, limit);
        int released = 0;
        for (long id : ids) {
            released += change(id, now, EventType.COUPON_UNLOCKED, UserCouponStatus.UNUSED,
                    "UPDATE " + T + " SET status=1, order_sn=NULL, lock_deadline=NULL, saga_gid=NULL,"
                            + " saga_branch_id=NULL WHERE id=? AND status=2 AND lock_deadline<?",
                    LifecycleEvents.LOCK_DEADLINE_PASSED);
        }
        return released;
    }

    /** Marks up to {@code limit} unused coupons whose validity ended by {@code now} EXPIRED. Returns how many. */
    public int expireCoupons(Instant now, int limit) {
        List<Long> ids = candidates("status=1 AND valid_end_time<=?", now, limit);
        int expired = 0;
        for (long id : ids) {
            expired += change(id, now, EventType.COUPON_EXPIRED, UserCouponStatus.EXPIRED,
                    "UPDATE " + T + " SET status=4 WHERE id=? AND status=1 AND valid_end_time<=?",
                    LifecycleEvents.VALIDITY_ENDED);
        }
        return expired;
    }

    private List<Long> candidates(String where, Instant now, int limit) {
        String sql = "SELECT id FROM " + T + " WHERE " + where + " ORDER BY id LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            Sql.setInstant(ps, 1, now);
            ps.setInt(2, limit);
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("reading expiry candidates failed", e);
        }
    }

    private int change(long id, Instant now, EventType type, UserCouponStatus to, String update, String reason) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                UserCoupon before = UserCouponRepository.find(c, id, true);
                int n;
                try (PreparedStatement ps = c.prepareStatement(update)) {
                    ps.setLong(1, id);
                    Sql.setInstant(ps, 2, now);
                    n = ps.executeUpdate();
                }
                if (n == 1) {
                    long deadline = before.lockDeadline() == null ? 0 : before.lockDeadline().toEpochMilli();
                    LifecycleEvents.append(c, new LifecycleEvents.Change(type, before, to,
                            before.orderSn(), null, null, null, reason, 0, deadline), now.toEpochMilli());
                }
                c.commit();
                return n;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new DataAccessException("expiry of coupon " + id + " failed", e);
        }
    }
}
