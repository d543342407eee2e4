package io.flashcoupon.topology.invalidation;

import io.flashcoupon.core.cdc.FlatMessage;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Turns one Canal flat message into the cache entries it makes stale: for a row change (INSERT,
 * UPDATE, DELETE) of a cached table in the service's database, the key of every row - its primary key,
 * or the column the table's cache is keyed by (user_coupons: user_id, the wallet) - and, for an UPDATE
 * that changed the key, the old key too. DDL, other databases, other tables and other
 * event types make nothing stale. Only deletes follow, never a write, so applying a message twice or
 * out of order leaves the same state: the next read loads the row from MySQL.
 */
public final class CacheInvalidator {
    private static final Set<String> ROW_TYPES = Set.of("INSERT", "UPDATE", "DELETE");

    /** One entry to drop: the table's cache, row {@code id}. */
    public record Target(String table, long id) {}

    private final String database;
    private final Map<String, LongConsumer> caches;
    private final Map<String, String> keyColumns;

    /** {@code caches}: table name -> what drops row id from that table's cache. */
    public CacheInvalidator(String database, Map<String, LongConsumer> caches) {
        this(database, caches, Map.of());
    }

    /**
     * {@code keyColumns}: table name -> the column its cache is keyed by, for tables not keyed by their
     * primary key; {@code caches} is then told that column's values.
     */
    public CacheInvalidator(String database, Map<String, LongConsumer> caches, Map<String, String> keyColumns) {
        this.database = database;
        this.caches = Map.copyOf(caches);
        this.keyColumns = Map.copyOf(keyColumns);
    }

    /** The entries {@code m} makes stale (empty for anything that is not a row change of a cached table). */
    public List<Target> targets(FlatMessage m) {
        if (m.isDdl() || !ROW_TYPES.contains(m.type()) || !database.equalsIgnoreCase(m.database())
                || !caches.containsKey(m.table()) || m.data() == null) {
            return List.of();
        }
        String pk = keyColumns.containsKey(m.table()) ? keyColumns.get(m.table())
                : m.pkNames() == null || m.pkNames().isEmpty() ? "id" : m.pkNames().get(0);
        Set<Target> out = new LinkedHashSet<>();
        for (int i = 0; i < m.data().size(); i++) {
            Map<String, String> row = m.data().get(i);
            add(out, m.table(), row == null ? null : row.get(pk));
            if (m.old() != null && i < m.old().size() && m.old().get(i) != null) {
                add(out, m.table(), m.old().get(i).get(pk));
            }
        }
        return List.copyOf(out);
    }

    /** Drops {@code targets}, all of them even when one fails (the first failure is rethrown). */
    public void apply(List<Target> targets) {
        RuntimeException failure = null;
        for (Target t : targets) {
            try {
                caches.get(t.table()).accept(t.id());
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void add(Set<Target> out, String table, String key) {
        if (key == null) {
            return;
        }
        try {
            out.add(new Target(table, Long.parseLong(key.trim())));
        } catch (NumberFormatException e) {
            // Not one of our numeric ids: nothing of ours can be stale under it.
        }
    }
}
