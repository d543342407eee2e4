package io.flashcoupon.core.cdc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * Canal's "flat message" (canal.mq.flatMessage=true): one binlog event of one table with all its
 * rows, as Canal publishes it to RocketMQ and as the embedded reader imitates it. Row values are
 * strings (null for SQL NULL); {@code old} holds, per row of an UPDATE, the previous values of the
 * columns that changed; {@code es} is the binlog time and {@code ts} the emit time (epoch ms).
 * type is INSERT, UPDATE, DELETE, or for DDL e.g. CREATE, ALTER, ERASE, QUERY (with isDdl true).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"data", "database", "es", "id", "isDdl", "mysqlType", "old", "pkNames", "sql", "sqlType", "table",
    "ts", "type"})
public record FlatMessage(
        @JsonProperty("data") List<Map<String, String>> data,
        @JsonProperty("database") String database,
        @JsonProperty("es") long es,
        @JsonProperty("id") long id,
        @JsonProperty("isDdl") boolean isDdl,
        @JsonProperty("mysqlType") Map<String, String> mysqlType,
        @JsonProperty("old") List<Map<String, String>> old,
        @JsonProperty("pkNames") List<String> pkNames,
        @JsonProperty("sql") String sql,
        @JsonProperty("sqlType") Map<String, Integer> sqlType,
        @JsonProperty("table") String table,
        @JsonProperty("ts") long ts,
        @JsonProperty("type") String type) {}
