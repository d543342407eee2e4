package io.flashcoupon.systemtest.fault;

import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Holds the service's user_coupons sink inside a flush, from MySQL's side: a transaction of the test
 * locks the gap above the table's highest id (SELECT ... FOR UPDATE, REPEATABLE READ: a next-key lock
 * on the supremum), so the sink's next INSERT - a batch it has polled and not yet acknowledged - waits
 * for it. MySQL shows that wait (INNODB_TRX in LOCK WAIT, an INSERT into user_coupons, on a connection
 * to the test database), so the test knows the sink is mid-batch when it kills the service. Closing
 * rolls the transaction back and the lock goes.
 */
final class SinkWriteStall implements AutoCloseable {
    private static final String WAITERS = "SELECT t.trx_query"
            + " FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p"
            + " ON p.ID = t.trx_mysql_thread_id"
            + " WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ? AND t.trx_query LIKE 'INSERT INTO "
            + Registry.TABLE_USER_COUPONS + "%'";

    private final Connection lock;
    private final DataSource db;
    private final String database;
    /** The highest row id when the lock was taken: every row the sink writes from now on lies above it. */
    final long aboveId;

    SinkWriteStall(DataSource db, String database) throws SQLException {
        this.db = db;
        this.database = database;
        this.lock = db.getConnection();
        lock.setAutoCommit(false);
        lock.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (PreparedStatement max = lock.prepareStatement("SELECT COALESCE(MAX(id), 0) FROM "
                + Registry.TABLE_USER_COUPONS);
                ResultSet rs = max.executeQuery()) {
            rs.next();
            aboveId = rs.getLong(1);
        }
        try (PreparedStatement gap = lock.prepareStatement("SELECT id FROM " + Registry.TABLE_USER_COUPONS
                + " WHERE id > ? FOR UPDATE")) {
            gap.setLong(1, aboveId);
            gap.executeQuery().close();
        }
    }

    /** Waits (deadline {@code within}) until the sink's INSERT waits for this lock; returns its statement's start. */
    String awaitSinkWaiting(Duration within) {
        String[] found = new String[1];
        await("the user_coupons sink's INSERT waits for the test's lock").atMost(within)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    found[0] = waiter().orElse(null);
                    return found[0] != null;
                });
        return found[0];
    }

    private Optional<String> waiter() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(WAITERS)) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String q = rs.getString(1);
                return Optional.of(q.substring(0, Math.min(80, q.length())));
            }
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            lock.rollback();
        } finally {
            lock.close();
        }
    }
}
