package io.flashcoupon.cdc;

import io.flashcoupon.core.cdc.FlatMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium change records to Canal flat messages: consecutive records of one binlog event (same
 * binlog file and position, table and operation; Debezium emits one record per row) become ONE
 * message with all their rows, as Canal sends it. Values are rendered as Canal renders them: strings,
 * DATETIME/TIMESTAMP as "yyyy-MM-dd HH:mm:ss[.SSS]" (UTC, the service's session zone), NULL as null;
 * mysqlType/sqlType come from the source column types Debezium propagates. Records that are not row
 * changes (heartbeats, snapshot reads, truncates) are dropped. Known gap: the rows of one binlog event
 * split over two Debezium batches become two messages (harmless for invalidation).
 */
public final class FlatMessageMapper {
    static final String COLUMN_TYPE = "__debezium.source.column.type";
    static final String COLUMN_LENGTH = "__debezium.source.column.length";
    static final String COLUMN_SCALE = "__debezium.source.column.scale";
    private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter DATETIME_MS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS",
            Locale.ROOT);

    /** A flat message and the records it was made of (to mark them processed once it is sent). */
    public record Mapped(FlatMessage message, List<SourceRecord> records) {}

    private final LongSupplier clock;

    /** {@code clock} gives the emit time (ts) in epoch ms. */
    public FlatMessageMapper(LongSupplier clock) {
        this.clock = clock;
    }

    public List<Mapped> map(List<SourceRecord> records) {
        List<Mapped> out = new ArrayList<>();
        EventKey current = null;
        List<SourceRecord> group = new ArrayList<>();
        for (SourceRecord r : records) {
            EventKey key = EventKey.of(r);
            if (key == null) {
                continue;
            }
            if (!key.equals(current) && !group.isEmpty()) {
                out.add(new Mapped(toMessage(current, group), group));
                group = new ArrayList<>();
            }
            current = key;
            group.add(r);
        }
        if (!group.isEmpty()) {
            out.add(new Mapped(toMessage(current, group), group));
        }
        return out;
    }

    /** The binlog event a row change record belongs to; null when the record is not a row change. */
    record EventKey(String file, long pos, String db, String table, String type, long esMs) {
        static EventKey of(SourceRecord r) {
            if (!(r.value() instanceof Struct value) || value.schema().field("op") == null) {
                return null;
            }
            String type = switch (String.valueOf(value.get("op"))) {
                case "c" -> "INSERT";
                case "u" -> "UPDATE";
                case "d" -> "DELETE";
                default -> null;
            };
            Struct source = value.getStruct("source");
            if (type == null || source == null) {
                return null;
            }
            Object pos = source.get("pos");
            Object ts = source.get("ts_ms");
            return new EventKey(String.valueOf(source.get("file")), pos == null ? 0 : ((Number) pos).longValue(),
                    (String) source.get("db"), (String) source.get("table"), type,
                    ts == null ? 0 : ((Number) ts).longValue());
        }
    }

    private FlatMessage toMessage(EventKey key, List<SourceRecord> group) {
        List<Map<String, String>> data = new ArrayList<>(group.size());
        List<Map<String, String>> old = key.type().equals("UPDATE") ? new ArrayList<>(group.size()) : null;
        Map<String, String> mysqlType = new LinkedHashMap<>();
        Map<String, Integer> sqlType = new LinkedHashMap<>();
        List<String> pkNames = new ArrayList<>();
        SourceRecord first = group.get(0);
        if (first.keySchema() != null && first.keySchema().type() == Schema.Type.STRUCT) {
            first.keySchema().fields().forEach(f -> pkNames.add(f.name()));
        }
        for (SourceRecord r : group) {
            Struct value = (Struct) r.value();
            Struct before = value.getStruct("before");
            Struct after = value.getStruct("after");
            Struct row = key.type().equals("DELETE") ? before : after;
            if (row == null) {
                continue;
            }
            if (mysqlType.isEmpty()) {
                for (Field f : row.schema().fields()) {
                    mysqlType.put(f.name(), mysqlType(f.schema()));
                    sqlType.put(f.name(), sqlType(f.schema()));
                }
            }
            data.add(render(row));
            if (old != null) {
                Map<String, String> changed = new LinkedHashMap<>();
                if (before != null) {
                    for (Field f : row.schema().fields()) {
                        Object was = before.get(f.name());
                        if (!Objects.deepEquals(was, after.get(f.name()))) {
                            changed.put(f.name(), text(was, f.schema()));
                        }
                    }
                }
                old.add(changed);
            }
        }
        return new FlatMessage(data, key.db(), key.esMs(), key.pos(), false, mysqlType, old, pkNames, "", sqlType,
                key.table(), clock.getAsLong(), key.type());
    }

    private static Map<String, String> render(Struct row) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Field f : row.schema().fields()) {
            out.put(f.name(), text(row.get(f.name()), f.schema()));
        }
        return out;
    }

    /** A column value as Canal writes it: a string, or null for SQL NULL. */
    static String text(Object v, Schema schema) {
        if (v == null) {
            return null;
        }
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case "io.debezium.time.Timestamp" -> {
                    return datetime(LocalDateTime.ofInstant(Instant.ofEpochMilli(((Number) v).longValue()),
                            ZoneOffset.UTC));
                }
                case "io.debezium.time.MicroTimestamp" -> {
                    long micros = ((Number) v).longValue();
                    return datetime(LocalDateTime.ofInstant(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000),
                            Math.floorMod(micros, 1_000_000) * 1000L), ZoneOffset.UTC));
                }
                case "io.debezium.time.ZonedTimestamp" -> {
                    return datetime(LocalDateTime.ofInstant(Instant.parse((String) v), ZoneOffset.UTC));
                }
                case "io.debezium.time.Date" -> {
                    return LocalDate.ofEpochDay(((Number) v).longValue()).toString();
                }
                case "io.debezium.time.MicroTime" -> {
                    return LocalTime.ofNanoOfDay(((Number) v).longValue() * 1000L).toString();
                }
                case "io.debezium.time.Time" -> {
                    return LocalTime.ofNanoOfDay(((Number) v).longValue() * 1_000_000L).toString();
                }
                default -> { }
            }
        }
        if (v instanceof Boolean b) {
            return b ? "1" : "0";
        }
        if (v instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        if (v instanceof ByteBuffer buf) {
            byte[] bytes = new byte[buf.remaining()];
            buf.duplicate().get(bytes);
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return v.toString();
    }

    private static String datetime(LocalDateTime t) {
        return (t.getNano() == 0 ? DATETIME : DATETIME_MS).format(t);
    }

    /** e.g. "bigint(20)", "varchar(100)", "decimal(10,2)", from the propagated source column type. */
    static String mysqlType(Schema s) {
        Map<String, String> p = s.parameters();
        if (p == null || p.get(COLUMN_TYPE) == null) {
            return s.type().getName().toLowerCase(Locale.ROOT);
        }
        String type = p.get(COLUMN_TYPE).toLowerCase(Locale.ROOT);
        String length = p.get(COLUMN_LENGTH);
        String scale = p.get(COLUMN_SCALE);
        return length == null ? type : type + "(" + length + (scale == null ? "" : "," + scale) + ")";
    }

    /** java.sql.Types of the column, as Canal reports it. */
    static int sqlType(Schema s) {
        Map<String, String> p = s.parameters();
        String type = p == null || p.get(COLUMN_TYPE) == null ? "" : p.get(COLUMN_TYPE).toUpperCase(Locale.ROOT);
        return switch (type.replace(" UNSIGNED", "")) {
            case "BIGINT" -> java.sql.Types.BIGINT;
            case "INT", "INTEGER", "MEDIUMINT" -> java.sql.Types.INTEGER;
            case "SMALLINT" -> java.sql.Types.SMALLINT;
            case "TINYINT" -> java.sql.Types.TINYINT;
            case "BIT" -> java.sql.Types.BIT;
            case "DECIMAL", "NUMERIC" -> java.sql.Types.DECIMAL;
            case "FLOAT" -> java.sql.Types.REAL;
            case "DOUBLE" -> java.sql.Types.DOUBLE;
            case "CHAR" -> java.sql.Types.CHAR;
            case "TEXT", "MEDIUMTEXT", "LONGTEXT", "TINYTEXT" -> java.sql.Types.CLOB;
            case "BLOB", "MEDIUMBLOB", "LONGBLOB", "TINYBLOB", "BINARY", "VARBINARY" -> java.sql.Types.BLOB;
            case "DATE" -> java.sql.Types.DATE;
            case "TIME" -> java.sql.Types.TIME;
            case "DATETIME", "TIMESTAMP" -> java.sql.Types.TIMESTAMP;
            default -> java.sql.Types.VARCHAR;
        };
    }
}
