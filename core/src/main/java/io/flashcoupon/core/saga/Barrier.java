package io.flashcoupon.core.saga;

import io.flashcoupon.core.Registry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * DTM's sub-transaction barrier for Saga, written here because dtmcli-java's maps only cancel to
 * try and so gives a Saga compensation no null-compensation protection (docs/decisions.md).
 * Must run inside the caller's local transaction, before the business UPDATE:
 *
 * <ul>
 *   <li>action: insert (gid, branch, action). Inserted: proceed. Already there with reason
 *       {@code compensate}: the compensation ran first, the action is refused (anti-hanging).
 *       Already there otherwise: a repeated call, no second effect.
 *   <li>compensate: insert the action's row with reason {@code compensate}; inserted means the
 *       action never ran: null compensation, nothing to undo (and the row now blocks a late action).
 *       Then insert (gid, branch, compensate); not inserted: a repeated call.
 * </ul>
 * Concurrent calls of one branch serialize on the unique key (a second INSERT IGNORE waits for the
 * first transaction), so exactly one of them proceeds.
 */
public final class Barrier {
    private static final String INSERT = "INSERT IGNORE INTO " + Registry.TABLE_BARRIER
            + " (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?,?,?,?,?,?)";
    private static final String REASON = "SELECT reason FROM " + Registry.TABLE_BARRIER
            + " WHERE gid=? AND branch_id=? AND op=? AND barrier_id=?";

    /** What the barrier decided for this call. */
    public enum Entry { PROCEED, DUPLICATE, NULL_COMPENSATION, LATE_ACTION }

    public Entry enter(Connection c, BranchContext b) throws SQLException {
        if (!b.compensation()) {
            if (insert(c, b, BranchContext.ACTION, BranchContext.ACTION)) {
                return Entry.PROCEED;
            }
            return BranchContext.COMPENSATE.equals(reason(c, b, BranchContext.ACTION)) ? Entry.LATE_ACTION
                    : Entry.DUPLICATE;
        }
        boolean actionNeverRan = insert(c, b, BranchContext.ACTION, BranchContext.COMPENSATE);
        boolean first = insert(c, b, BranchContext.COMPENSATE, BranchContext.COMPENSATE);
        if (actionNeverRan) {
            return Entry.NULL_COMPENSATION;
        }
        return first ? Entry.PROCEED : Entry.DUPLICATE;
    }

    private static boolean insert(Connection c, BranchContext b, String op, String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, b.transType());
            ps.setString(2, b.gid());
            ps.setString(3, b.branchId());
            ps.setString(4, op);
            ps.setString(5, BranchContext.BARRIER_ID);
            ps.setString(6, reason);
            return ps.executeUpdate() == 1;
        }
    }

    private static String reason(Connection c, BranchContext b, String op) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REASON)) {
            ps.setString(1, b.gid());
            ps.setString(2, b.branchId());
            ps.setString(3, op);
            ps.setString(4, BranchContext.BARRIER_ID);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
