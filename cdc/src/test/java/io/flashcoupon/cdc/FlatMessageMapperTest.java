package io.flashcoupon.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.cdc.FlatMessage;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class FlatMessageMapperTest {
    static final Schema ID = SchemaBuilder.int64().parameter(FlatMessageMapper.COLUMN_TYPE, "BIGINT")
            .parameter(FlatMessageMapper.COLUMN_LENGTH, "20").build();
    static final Schema NAME = SchemaBuilder.string().optional().parameter(FlatMessageMapper.COLUMN_TYPE, "VARCHAR")
            .parameter(FlatMessageMapper.COLUMN_LENGTH, "100").build();
    static final Schema START = SchemaBuilder.int64().name("io.debezium.time.Timestamp")
            .parameter(FlatMessageMapper.COLUMN_TYPE, "DATETIME").build();
    static final Schema ROW = SchemaBuilder.struct().optional().field("id", ID).field("name", NAME)
            .field("start_time", START).build();
    static final Schema KEY = SchemaBuilder.struct().field("id", ID).build();
    static final Schema SOURCE = SchemaBuilder.struct().field("db", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA).field("file", Schema.STRING_SCHEMA).field("pos", Schema.INT64_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA).build();
    static final Schema ENVELOPE = SchemaBuilder.struct().field("before", ROW).field("after", ROW)
            .field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build();

    final FlatMessageMapper mapper = new FlatMessageMapper(() -> 99L);

    static Struct row(long id, String name) {
        return new Struct(ROW).put("id", id).put("name", name).put("start_time", 1_764_150_000_000L);
    }

    static SourceRecord record(String op, long pos, Struct before, Struct after) {
        Struct source = new Struct(SOURCE).put("db", "coupon").put("table", "coupon_templates")
                .put("file", "mariadb-bin.000001").put("pos", pos).put("ts_ms", 1_764_150_000_500L);
        Struct value = new Struct(ENVELOPE).put("before", before).put("after", after).put("source", source).put("op", op);
        long id = (after != null ? after : before).getInt64("id");
        return new SourceRecord(Map.of(), Map.of(), "coupon.coupon.coupon_templates", null, KEY,
                new Struct(KEY).put("id", id), ENVELOPE, value);
    }

    @Test
    void the_rows_of_one_binlog_event_become_one_canal_message_with_only_changed_columns_in_old() {
        List<FlatMessageMapper.Mapped> out = mapper.map(List.of(
                record("u", 100, row(1, "a"), row(1, "a2")),
                record("u", 100, row(2, "b"), row(2, "b2")),
                record("d", 200, row(3, "c"), null)));
        assertThat(out).hasSize(2);
        FlatMessage update = out.get(0).message();
        assertThat(out.get(0).records()).hasSize(2);
        assertThat(update.type()).isEqualTo("UPDATE");
        assertThat(update.database()).isEqualTo("coupon");
        assertThat(update.table()).isEqualTo("coupon_templates");
        assertThat(update.isDdl()).isFalse();
        assertThat(update.pkNames()).containsExactly("id");
        assertThat(update.data()).extracting(r -> r.get("name")).containsExactly("a2", "b2");
        assertThat(update.data().get(0)).containsEntry("id", "1").containsEntry("start_time", "2025-11-26 09:40:00");
        assertThat(update.old()).containsExactly(Map.of("name", "a"), Map.of("name", "b"));
        assertThat(update.mysqlType()).containsEntry("id", "bigint(20)").containsEntry("name", "varchar(100)")
                .containsEntry("start_time", "datetime");
        assertThat(update.sqlType()).containsEntry("id", java.sql.Types.BIGINT).containsEntry("start_time",
                java.sql.Types.TIMESTAMP);
        assertThat(update.es()).isEqualTo(1_764_150_000_500L);
        assertThat(update.ts()).isEqualTo(99L);

        FlatMessage delete = out.get(1).message();
        assertThat(delete.type()).isEqualTo("DELETE");
        assertThat(delete.data()).containsExactly(Map.of("id", "3", "name", "c", "start_time", "2025-11-26 09:40:00"));
        assertThat(delete.old()).isNull();
    }

    @Test
    void null_values_stay_null_and_records_that_are_not_row_changes_are_dropped() {
        List<FlatMessageMapper.Mapped> out = mapper.map(List.of(
                new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.coupon", null, null),
                record("r", 5, null, row(9, "snapshot")),
                record("c", 300, null, row(4, null))));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).message().type()).isEqualTo("INSERT");
        assertThat(out.get(0).message().data().get(0)).containsEntry("name", null);
        assertThat(out.get(0).message().old()).isNull();
    }
}
