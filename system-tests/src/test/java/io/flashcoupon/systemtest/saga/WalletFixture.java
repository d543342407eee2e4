package io.flashcoupon.systemtest.saga;

import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.discount.CouponType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/** Wallet rows for the Saga tests, written and read with plain JDBC on the service's database. */
final class WalletFixture {
    private static final AtomicLong SN = new AtomicLong(System.currentTimeMillis() * 1000);

    private final ServiceHarness h;
    private final DataSource ds;

    WalletFixture(ServiceHarness h) {
        this.h = h;
        this.ds = h.service.dataSource();
    }

    /** A FULL_CUT template: 500 cents off once the eligible subtotal reaches 2000. */
    Template fullCut() {
        return h.templates.insert(new Template(0, "IT 5 off 20", CouponType.FULL_CUT, 500, 0, 2000, null, 1000, 1,
                null, null, 30, null, null, null, null, TemplateStatus.PUBLISHED, null, null));
    }

    /** An UNUSED coupon of {@code template} for {@code userId}, valid from a day ago until {@code validEnd}. */
    long coupon(long userId, long templateId, Instant validEnd) throws SQLException {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String sql = "INSERT INTO user_coupons (coupon_id, activity_id, seq, user_id, coupon_sn, status, obtain_time,"
                + " granted_at_ms, valid_start_time, valid_end_time) VALUES (?,NULL,1,?,?,1,?,?,?,?)";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, templateId);
            ps.setLong(2, userId);
            ps.setString(3, Long.toString(SN.incrementAndGet()));
            ps.setObject(4, ldt(now.minus(1, ChronoUnit.DAYS)));
            ps.setLong(5, now.minus(1, ChronoUnit.DAYS).toEpochMilli());
            ps.setObject(6, ldt(now.minus(1, ChronoUnit.DAYS)));
            ps.setObject(7, ldt(validEnd));
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    long coupon(long userId, long templateId) throws SQLException {
        return coupon(userId, templateId, Instant.now().plus(30, ChronoUnit.DAYS));
    }

    /** status, order_sn and lock_deadline of a coupon. */
    record Row(int status, String orderSn, LocalDateTime lockDeadline, LocalDateTime usedTime) {}

    Row row(long id) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT status, order_sn, lock_deadline, used_time FROM user_coupons WHERE id=?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Row(rs.getInt(1), rs.getString(2), rs.getObject(3, LocalDateTime.class),
                        rs.getObject(4, LocalDateTime.class));
            }
        }
    }

    /** The DTM branch holding a coupon, "gid/branch_id" ("null/null" when none). */
    String holder(long id) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT saga_gid, saga_branch_id FROM user_coupons WHERE id=?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1) + "/" + rs.getString(2);
            }
        }
    }

    /** A usage log row. */
    record UsageLog(long userId, String orderSn, long original, long discount, long fin, String allocation,
            boolean reverted, String gid) {}

    List<UsageLog> usageLogs(long couponId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT user_id, order_sn, original_cents, discount_cents, final_cents, allocation, reverted, gid"
                        + " FROM coupon_usage_logs WHERE user_coupon_id=? ORDER BY id")) {
            ps.setLong(1, couponId);
            List<UsageLog> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new UsageLog(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getString(6), rs.getInt(7) == 1, rs.getString(8)));
                }
            }
            return out;
        }
    }

    /** Tags of the outbox rows of one coupon, in order, e.g. [CouponLocked, CouponUsed]. */
    List<String> outboxTags(long couponId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT event_type FROM coupon_outbox WHERE message_key=(SELECT coupon_sn FROM user_coupons WHERE id=?)"
                        + " ORDER BY id")) {
            ps.setLong(1, couponId);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /** Barrier rows of one global transaction: "branch/op/reason". */
    List<String> barrier(String gid) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT branch_id, op, reason FROM barrier WHERE gid=? ORDER BY id")) {
            ps.setString(1, gid);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3));
                }
            }
            return out;
        }
    }

    private static LocalDateTime ldt(Instant i) {
        return LocalDateTime.ofInstant(i.truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC);
    }
}
