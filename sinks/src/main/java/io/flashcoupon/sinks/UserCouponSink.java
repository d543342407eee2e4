package io.flashcoupon.sinks;

import static io.flashcoupon.core.db.Sql.setInstant;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.observe.LogFields;
import io.flashcoupon.core.reconcile.GrantConflict;
import io.flashcoupon.core.reconcile.GrantConflicts;
import io.flashcoupon.core.wallet.GrantRow;
import io.flashcoupon.core.wallet.SaleRowCounts;
import io.flashcoupon.core.wallet.UserCouponStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes granted coupons into user_coupons in one JDBC batch and one transaction: the writer of a
 * {@link BatchSink} keyed by coupon_sn, which merges repeated coupons inside one batch. Returns only
 * after the commit, and throws when the batch failed, so the caller can hold the consumer offset back
 * until the rows are durable.
 *
 * <p>A grant never disappears silently. user_coupons has two unique keys, coupon_sn and (activity,
 * user, seq). The batch is first inserted as it is; when that meets a duplicate key (a redelivery, or
 * another row in a grant's way), it is inserted again leaving every existing row as it is, and, in
 * the same transaction, the rows under the batch's keys are read back and {@link ConflictCheck} tells
 * each grant apart: its own row (inserted now, or a redelivery of a stored grant: silent and
 * harmless), or another row in its way - a conflict. Each conflict is recorded in grant_conflicts in the same transaction (once: a
 * redelivery finds it recorded), counted in coupon_sink_conflicts_total and logged at WARN with both
 * coupon_sn, and returned, so the caller does not count it as written; reconciliation reports it
 * until an operator resolves it (docs/decisions.md). The message is acknowledged once the conflict
 * is durable: holding it back would block the queue on a row that will never change.
 *
 * <p>A batch of new grants costs the plain insert; a batch with a duplicate costs a second insert and
 * one indexed read of its coupon_sn, plus one read of seats for grants that met another row
 * (docs/decisions.md has the measurement). Batches, their stored rows, failures and conflicts are metered in {@link SinkMetrics}.
 *
 * <p>The same transaction adds the rows it inserted to each sale's counter ({@link SaleRowCounts}): all
 * of a batch of new grants; on the duplicate path only the grants whose own row was not there before
 * (a locking read before the insert tells), so a redelivery or a conflict never counts twice.
 */
public final class UserCouponSink {
    private static final Logger log = LoggerFactory.getLogger(UserCouponSink.class);
    private static final String TABLE = Registry.TABLE_USER_COUPONS;
    private static final String INSERT = "INSERT INTO " + TABLE
            + " (coupon_id, activity_id, seq, user_id, coupon_sn, status, obtain_time, granted_at_ms,"
            + " valid_start_time, valid_end_time, request_id, template_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
    /** The same, leaving a row that holds either key as it is. */
    private static final String INSERT_OR_KEEP = INSERT + " ON DUPLICATE KEY UPDATE coupon_sn = coupon_sn";
    /** ER_DUP_ENTRY, MySQL's and MariaDB's error number of a duplicate key. */
    private static final int DUPLICATE_KEY = 1062;
    private static final String SELECT = "SELECT coupon_sn, activity_id, user_id, seq FROM " + TABLE + " WHERE ";

    private final DataSource dataSource;
    private final SinkMetrics metrics;
    private final Clock clock;

    public UserCouponSink(DataSource dataSource, SinkMetrics metrics, Clock clock) {
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Writes coupons of distinct coupon_sn durably; returns those not written because another row is
     * in their way (each recorded in grant_conflicts in the same transaction), empty when all are stored.
     */
    public List<GrantedCoupon> write(List<GrantedCoupon> distinct) {
        if (distinct.isEmpty()) {
            return List.of();
        }
        long start = metrics.start();
        ConflictCheck.Outcome outcome;
        List<GrantConflict> fresh;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<GrantedCoupon> inserted;
                if (insertAllNew(c, distinct)) {
                    outcome = new ConflictCheck.Outcome(distinct, List.of(), List.of());
                    fresh = List.of();
                    inserted = distinct;
                } else {
                    // Undo what earlier statements of the failed batch inserted, so that every row this
                    // transaction leaves is inserted by the statement below and counted exactly once.
                    c.rollback();
                    Set<String> there = lockedSns(c, distinct);
                    insert(c, INSERT_OR_KEEP, distinct);
                    Map<String, GrantRow> bySn = rowsBySn(c, distinct);
                    List<GrantedCoupon> unseen = ConflictCheck.withoutRow(distinct, bySn);
                    Map<ConflictCheck.Seat, GrantRow> bySeat = unseen.isEmpty() ? Map.of() : rowsBySeat(c, unseen);
                    outcome = ConflictCheck.classify(distinct, bySn, bySeat,
                            clock.instant().truncatedTo(ChronoUnit.MILLIS));
                    fresh = GrantConflicts.recordNew(c, outcome.conflicts());
                    inserted = ConflictCheck.insertedNow(outcome.stored(), there);
                }
                SaleRowCounts.add(c, ConflictCheck.rowsPerSale(inserted));
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
        metrics.committed(outcome.stored().size(), start);
        if (!outcome.conflicts().isEmpty()) {
            metrics.conflicts(fresh.size());
            report(outcome.conflicts(), fresh);
        }
        return outcome.refused();
    }

    /**
     * The common case, at the cost of the plain insert: every coupon is new. A statement that meets a
     * duplicate key fails as a whole (InnoDB rolls the statement back, the transaction stays), so
     * false means at least one coupon met a row and the caller sorts the batch out; earlier statements
     * of a rewritten batch may have inserted rows, which the caller then finds as their own.
     */
    private static boolean insertAllNew(Connection c, List<GrantedCoupon> coupons) throws SQLException {
        try {
            insert(c, INSERT, coupons);
            return true;
        } catch (SQLException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException s && s.getErrorCode() == DUPLICATE_KEY) {
                    return false;
                }
            }
            throw e;
        }
    }

    private static void insert(Connection c, String sql, List<GrantedCoupon> coupons) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (GrantedCoupon g : coupons) {
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
                if (g.requestId() == null) {
                    ps.setNull(11, Types.VARCHAR);
                } else {
                    ps.setString(11, g.requestId());
                }
                ps.setInt(12, g.templateVersion());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * The coupon_sn of the batch that rows hold already, by a locking read: the latest committed rows,
     * and no other transaction can insert one of the batch's coupon_sn until this one ends (a shared
     * next-key lock on each missing key). It does not open this transaction's read view (locking reads
     * never do), so {@link #rowsBySn} still sees what the insert below left.
     */
    private static Set<String> lockedSns(Connection c, List<GrantedCoupon> coupons) throws SQLException {
        StringBuilder sql = new StringBuilder(64 + 2 * coupons.size()).append("SELECT coupon_sn FROM ")
                .append(TABLE).append(" WHERE coupon_sn IN (");
        for (int i = 0; i < coupons.size(); i++) {
            sql.append(i == 0 ? "?" : ",?");
        }
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql.append(") LOCK IN SHARE MODE").toString())) {
            for (int i = 0; i < coupons.size(); i++) {
                ps.setString(i + 1, coupons.get(i).couponSn());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** The rows under the coupons' coupon_sn, as this transaction sees them after its insert. */
    private static Map<String, GrantRow> rowsBySn(Connection c, List<GrantedCoupon> coupons) throws SQLException {
        StringBuilder sql = new StringBuilder(SELECT.length() + 20 + 2 * coupons.size()).append(SELECT)
                .append("coupon_sn IN (");
        for (int i = 0; i < coupons.size(); i++) {
            sql.append(i == 0 ? "?" : ",?");
        }
        Map<String, GrantRow> out = new HashMap<>(coupons.size() * 2);
        try (PreparedStatement ps = c.prepareStatement(sql.append(')').toString())) {
            for (int i = 0; i < coupons.size(); i++) {
                ps.setString(i + 1, coupons.get(i).couponSn());
            }
            for (GrantRow r : read(ps)) {
                out.put(r.couponSn(), r);
            }
        }
        return out;
    }

    /** The rows holding the coupons' (activity, user, seq). */
    private static Map<ConflictCheck.Seat, GrantRow> rowsBySeat(Connection c, List<GrantedCoupon> coupons)
            throws SQLException {
        StringBuilder sql = new StringBuilder(SELECT);
        for (int i = 0; i < coupons.size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append("(activity_id=? AND user_id=? AND seq=?)");
        }
        Map<ConflictCheck.Seat, GrantRow> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (GrantedCoupon g : coupons) {
                ps.setLong(p++, g.activityId());
                ps.setLong(p++, g.userId());
                ps.setInt(p++, g.seq());
            }
            for (GrantRow r : read(ps)) {
                out.put(ConflictCheck.Seat.of(r), r);
            }
        }
        return out;
    }

    private static List<GrantRow> read(PreparedStatement ps) throws SQLException {
        List<GrantRow> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new GrantRow(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getInt(4)));
            }
        }
        return out;
    }

    /** One WARN per conflict recorded now; a redelivered one, recorded before, at INFO. */
    private static void report(List<GrantConflict> conflicts, List<GrantConflict> fresh) {
        Set<GrantConflict.Key> now = new HashSet<>();
        fresh.forEach(g -> now.add(g.key()));
        for (GrantConflict g : conflicts) {
            try (LogFields fields = LogFields.of(g.activityId(), g.userId(), g.couponSn())) {
                if (now.contains(g.key())) {
                    log.warn("GRANT CONFLICT: coupon {} (activity {}, user {}, seq {}) not written: existing row {}"
                            + " holds {}; recorded in {} for reconciliation", g.couponSn(), g.activityId(),
                            g.userId(), g.seq(), g.existingCouponSn(),
                            g.snTaken() ? "that coupon_sn for another grant" : "that activity, user and seq",
                            Registry.TABLE_GRANT_CONFLICTS);
                } else {
                    log.info("coupon {} delivered again, its conflict with row {} is recorded already",
                            g.couponSn(), g.existingCouponSn());
                }
            }
        }
    }
}
