package io.flashcoupon.core.outbox;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.proto.v1.CouponEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The coupon_outbox table: lifecycle events are appended in the local transaction of the change
 * they describe (so an event exists iff its change committed) and relayed to coupon-events later.
 * Relays on several instances claim rows with one conditional UPDATE each, so a row is normally
 * sent by one relay; a relay that dies after sending but before marking leaves the row to be sent
 * again after its claim expires (at least once; consumers deduplicate on event_id).
 */
public final class Outbox {
    private static final String INSERT = "INSERT INTO " + Registry.TABLE_OUTBOX
            + " (event_id, event_type, message_key, body, created_at_ms) VALUES (?,?,?,?,?)";

    private static final int DEADLOCK_ATTEMPTS = 5;

    private final DataSource dataSource;

    public Outbox(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A stored event waiting to be (or being) relayed. */
    public record Pending(long id, String eventId, String tag, String key, byte[] body) {}

    /** Appends {@code event} inside the caller's transaction {@code c}; tag is the message tag. */
    public static void append(Connection c, CouponEvent event, String tag, String key, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, event.getEventId());
            ps.setString(2, tag);
            ps.setString(3, key);
            ps.setBytes(4, event.toByteArray());
            ps.setLong(5, nowMs);
            ps.executeUpdate();
        }
    }

    /**
     * Claims up to {@code limit} unsent rows (oldest first) that no other live claim holds (rows
     * this owner claimed before and did not send are taken again), for
     * {@code owner} until {@code nowMs + claimMs}, and returns them.
     */
    public List<Pending> claim(String owner, long nowMs, long claimMs, int limit) {
        return retryDeadlocks(() -> claimOnce(owner, nowMs, claimMs, limit));
    }

    /**
     * Two relays' statements can deadlock on the pending index (InnoDB then rolls one back, which
     * changed nothing): take the victim's turn again, a few times, before giving up.
     */
    private static <T> T retryDeadlocks(Supplier<T> statement) {
        for (int attempt = 1; ; attempt++) {
            try {
                return statement.get();
            } catch (DataAccessException e) {
                if (!(e.getCause() instanceof SQLTransactionRollbackException) || attempt == DEADLOCK_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private List<Pending> claimOnce(String owner, long nowMs, long claimMs, int limit) {
        String claim = "UPDATE " + Registry.TABLE_OUTBOX + " SET relay_owner=?, relay_until_ms=?"
                + " WHERE published_at_ms IS NULL AND (relay_until_ms IS NULL OR relay_until_ms < ? OR relay_owner = ?)"
                + " ORDER BY id LIMIT ?";
        String read = "SELECT id, event_id, event_type, message_key, body FROM " + Registry.TABLE_OUTBOX
                + " WHERE published_at_ms IS NULL AND relay_owner=? AND relay_until_ms=? ORDER BY id";
        long until = nowMs + claimMs;
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(claim)) {
                ps.setString(1, owner);
                ps.setLong(2, until);
                ps.setLong(3, nowMs);
                ps.setString(4, owner);
                ps.setInt(5, limit);
                if (ps.executeUpdate() == 0) {
                    return List.of();
                }
            }
            List<Pending> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(read)) {
                ps.setString(1, owner);
                ps.setLong(2, until);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getBytes(5)));
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("claiming outbox rows failed", e);
        }
    }

    /** Marks a row sent. */
    public void published(long id, long nowMs) {
        retryDeadlocks(() -> {
            publishedOnce(id, nowMs);
            return null;
        });
    }

    private void publishedOnce(long id, long nowMs) {
        String sql = "UPDATE " + Registry.TABLE_OUTBOX + " SET published_at_ms=? WHERE id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, nowMs);
            ps.setLong(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new DataAccessException("marking outbox row " + id + " sent failed", e);
        }
    }

    /** Whether an event with this id was committed to the outbox (the relay's check-back). */
    public boolean contains(String eventId) {
        String sql = "SELECT 1 FROM " + Registry.TABLE_OUTBOX + " WHERE event_id=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new DataAccessException("reading outbox event " + eventId + " failed", e);
        }
    }
}
