package io.flashcoupon.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.flashcoupon.core.cdc.FlatMessage;
import io.flashcoupon.core.config.ServiceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-machine stand-in for a Canal server: Debezium embedded (MariaDB connector) reads the
 * binlog of the configured tables and publishes each binlog event as one Canal flat message on
 * coupon-binlog-topic. A batch's offsets are committed only after all its messages were stored by
 * the broker (a send is retried until it is), so every change is published at least once; the
 * offsets live in {@code state-dir} and a restart resumes after the last committed event. A crash
 * can publish the last batch again: consumers treat duplicates as harmless. Starting with no offsets,
 * reading begins at the binlog's current end (snapshot.mode no_data): earlier rows are not published.
 */
public final class BinlogReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BinlogReader.class);
    private static final long RETRY_PAUSE_MS = 200;
    private static final String TOPIC_PREFIX = "coupon";

    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "binlog-reader");
        t.setDaemon(true);
        return t;
    });
    private final FlatMessageMapper mapper;
    private final FlatMessagePublisher publisher;
    private final Counter messages;
    private final Counter rows;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;

    public BinlogReader(ServiceConfig.Mysql mysql, ServiceConfig.Embedded cdc, long serverId,
            FlatMessagePublisher publisher, LongSupplier clock, MeterRegistry metrics) {
        this.publisher = publisher;
        this.mapper = new FlatMessageMapper(clock);
        this.messages = Counter.builder("coupon.cdc.published.messages")
                .description("flat messages the embedded binlog reader published").register(metrics);
        this.rows = Counter.builder("coupon.cdc.published.rows")
                .description("changed rows in the flat messages the embedded binlog reader published").register(metrics);
        this.engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(properties(mysql, cdc, serverId))
                .notifying(this::handleBatch)
                .using((success, message, error) -> {
                    if (!success && !closing) {
                        log.error("binlog reader stopped: {}", message, error);
                    }
                    stopped.countDown();
                })
                .build();
    }

    /**
     * The stored offsets and schema history are those of one database and table list: the history
     * holds only the captured tables' DDL, so a table added to cdc.embedded.tables (or another
     * database) would stop the reader at its first change ("schema isn't known to this connector").
     * When the capture changed, both are dropped and the reader starts over from the current binlog
     * position (schema only), logged at WARN: changes made while it was stopped are not published,
     * and the caches they would have invalidated catch up within their TTLs.
     */
    static void startOverIfCaptureChanged(Path dir, String capture) {
        Path marker = dir.resolve("capture.txt");
        try {
            String stored = Files.exists(marker) ? Files.readString(marker).trim() : null;
            if (stored != null && !stored.equals(capture)) {
                log.warn("cdc: the captured tables changed from [{}] to [{}]: dropping the stored offsets and schema"
                        + " history, reading on from the current binlog position", stored, capture);
                Files.deleteIfExists(dir.resolve("offsets.dat"));
                Files.deleteIfExists(dir.resolve("schema-history.dat"));
            } else if (stored == null && Files.exists(dir.resolve("offsets.dat"))) {
                log.warn("cdc: state in {} records no captured tables (written before they were recorded): dropping"
                        + " its offsets and schema history, reading on from the current binlog position", dir);
                Files.deleteIfExists(dir.resolve("offsets.dat"));
                Files.deleteIfExists(dir.resolve("schema-history.dat"));
            }
            Files.writeString(marker, capture + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + marker, e);
        }
    }

    static Properties properties(ServiceConfig.Mysql mysql, ServiceConfig.Embedded cdc, long serverId) {
        Path dir = Path.of(cdc.stateDir()).toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cdc.embedded.state-dir " + dir, e);
        }
        startOverIfCaptureChanged(dir, mysql.database() + ":" + String.join(",", cdc.tables()));
        Properties p = new Properties();
        p.setProperty("name", "coupon-binlog-reader");
        p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", dir.resolve("offsets.dat").toString());
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
        p.setProperty("schema.history.internal.file.filename", dir.resolve("schema-history.dat").toString());
        p.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
        p.setProperty("database.hostname", mysql.host());
        p.setProperty("database.port", Integer.toString(mysql.port()));
        p.setProperty("database.user", mysql.username());
        p.setProperty("database.password", mysql.password() == null ? "" : mysql.password());
        p.setProperty("database.ssl.mode", "disable");
        p.setProperty("database.server.id", Long.toString(serverId));
        p.setProperty("topic.prefix", TOPIC_PREFIX);
        p.setProperty("database.include.list", java.util.regex.Pattern.quote(mysql.database()));
        p.setProperty("table.include.list", cdc.tables().stream()
                .map(t -> java.util.regex.Pattern.quote(mysql.database() + "." + t))
                .collect(Collectors.joining(",")));
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("include.schema.changes", "false");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("column.propagate.source.type", ".*");
        p.setProperty("poll.interval.ms", Integer.toString(cdc.pollIntervalMs()));
        p.setProperty("connect.timeout.ms", "10000");
        return p;
    }

    public BinlogReader start() {
        executor.execute(engine);
        return this;
    }

    /**
     * Waits (at most {@code within}) until the reader is connected to the binlog, so that every change
     * committed from now on is published; false when it did not connect in time or stopped.
     * Reads Debezium's streaming metrics MBean (Connected).
     */
    public boolean awaitStreaming(java.time.Duration within) throws InterruptedException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName pattern;
        try {
            pattern = new ObjectName("debezium.*:type=connector-metrics,context=streaming,server=" + TOPIC_PREFIX + ",*");
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline && stopped.getCount() > 0) {
            for (ObjectName name : server.queryNames(pattern, null)) {
                try {
                    if (Boolean.TRUE.equals(server.getAttribute(name, "Connected"))) {
                        return true;
                    }
                } catch (JMException e) {
                    // not registered yet
                }
            }
            Thread.sleep(50);
        }
        return false;
    }

    private void handleBatch(List<RecordChangeEvent<SourceRecord>> batch,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<SourceRecord> records = new ArrayList<>(batch.size());
        for (RecordChangeEvent<SourceRecord> e : batch) {
            records.add(e.record());
        }
        for (FlatMessageMapper.Mapped m : mapper.map(records)) {
            sendUntilStored(m.message());
            messages.increment();
            rows.increment(m.message().data().size());
        }
        for (RecordChangeEvent<SourceRecord> e : batch) {
            committer.markProcessed(e);
        }
        committer.markBatchFinished();
    }

    private void sendUntilStored(FlatMessage m) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                publisher.send(m);
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                if (closing) {
                    throw new InterruptedException("binlog reader closing with an unsent flat message of " + m.table());
                }
                if (attempt == 1 || attempt % 50 == 0) {
                    log.warn("flat message of {}.{} not stored (attempt {}), retrying: {}", m.database(), m.table(),
                            attempt, e.toString());
                }
                Thread.sleep(RETRY_PAUSE_MS);
            }
        }
    }

    /** Stops reading; the offsets of everything published are on disk when this returns. */
    @Override
    public void close() throws IOException {
        closing = true;
        try {
            engine.close();
        } catch (IllegalStateException alreadyStopped) {
            // the engine stopped on its own (its error was logged)
        }
        executor.shutdown();
        try {
            if (!stopped.await(30, TimeUnit.SECONDS) || !executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("binlog reader did not stop within 40 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
