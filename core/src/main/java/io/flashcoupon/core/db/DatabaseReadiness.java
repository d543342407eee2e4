package io.flashcoupon.core.db;

import io.flashcoupon.core.runtime.Readiness;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Readiness of MySQL: a connection from the process's pool that answers a validation round trip. A
 * pool so busy that no connection frees within the timeout counts as down too: every MySQL read of
 * this process would wait as long.
 */
public final class DatabaseReadiness {
    private DatabaseReadiness() {}

    /** The check named "mysql" on {@code pool}, answering within {@code timeout}. */
    public static Readiness.Check check(DataSource pool, Duration timeout) {
        int validateSeconds = (int) Math.max(1, timeout.toSeconds());
        return new Readiness.Check("mysql", timeout, () -> {
            try (Connection c = pool.getConnection()) {
                if (!c.isValid(validateSeconds)) {
                    throw new IllegalStateException("a pooled connection did not validate");
                }
                return "";
            }
        });
    }
}
