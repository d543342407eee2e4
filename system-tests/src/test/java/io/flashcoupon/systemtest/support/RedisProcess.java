package io.flashcoupon.systemtest.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A redis-server of one test's own (never the shared one on 6379): loopback only, on a port and
 * directory that stay the same across restarts, AOF on, no RDB snapshots. appendfsync always unless
 * a test asks for another policy (the service refuses a Redis that would lose acknowledged grants).
 */
public final class RedisProcess {
    static final String BINARY = System.getProperty("fault.redis.binary", "/usr/bin/redis-server");

    public final int port;
    private final Path dir;
    private final ChildProcess process;

    public RedisProcess(int port, Path dir, Path log) {
        this(port, dir, log, BINARY, "always");
    }

    /** One running {@code binary} with {@code appendfsync} (always, everysec or no). */
    public RedisProcess(int port, Path dir, Path log, String binary, String appendfsync) {
        this(port, dir, log, binary, appendfsync, List.of());
    }

    /** As above, with {@code extra} lines of redis.conf (a cluster node's settings). */
    public RedisProcess(int port, Path dir, Path log, String binary, String appendfsync, List<String> extra) {
        this.port = port;
        this.dir = dir;
        Path conf = dir.resolve("redis.conf");
        try {
            Files.createDirectories(dir);
            Files.writeString(conf, String.join("\n",
                    "bind 127.0.0.1",
                    "port " + port,
                    "dir " + dir.toAbsolutePath(),
                    "daemonize no",
                    "appendonly yes",
                    "appendfsync " + appendfsync,
                    "save \"\"",
                    "logfile \"\"",
                    "enable-debug-command local",
                    String.join("\n", extra),
                    "") , StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.process = new ChildProcess("redis:" + port, List.of(binary, conf.toAbsolutePath().toString()), Map.of(),
                log);
    }

    /** Starts it and waits (deadline {@code within}) until it answers PING, i.e. has loaded its AOF. */
    public void start(Duration within) {
        process.start();
        await("redis on " + port + " answers PING").atMost(within).pollInterval(Duration.ofMillis(20))
                .ignoreException(UncheckedIOException.class)
                .until(() -> {
                    process.requireAlive();
                    return "+PONG".equals(command("PING"));
                });
    }

    /** SHUTDOWN (Redis fsyncs the AOF, then exits) and waits for the process to end. */
    public void shutdown(Duration within) {
        try {
            command("SHUTDOWN");
        } catch (UncheckedIOException expected) {
            // the server closes the connection instead of answering
        }
        await("redis on " + port + " exits after SHUTDOWN").atMost(within).pollInterval(Duration.ofMillis(10))
                .until(() -> !process.alive());
    }

    /**
     * Blocks Redis for {@code stall} (DEBUG SLEEP on one connection) and sends SHUTDOWN on another while it
     * is blocked. Commands that reach Redis during the stall are executed when it wakes, right before the
     * SHUTDOWN, and their replies are never written: the client sees its connection drop after the effect,
     * as with a network cut after execution. Returns false when the stall was not observed in time (a
     * starved machine): the SHUTDOWN is sent anyway and the fault is a plain one.
     */
    public boolean stallThenShutdown(Duration stall, Duration within) {
        boolean observed = false;
        try (Socket sleeper = new Socket(InetAddress.getLoopbackAddress(), port);
                Socket stopper = new Socket(InetAddress.getLoopbackAddress(), port)) {
            sleeper.getOutputStream().write(("DEBUG SLEEP " + stall.toMillis() / 1000.0 + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            sleeper.getOutputStream().flush();
            long deadline = System.nanoTime() + stall.toNanos() / 2;
            while (!observed && System.nanoTime() < deadline) {
                observed = !answersPingWithin(50); // bounded: each probe waits at most 50 ms
            }
            stopper.getOutputStream().write("SHUTDOWN\r\n".getBytes(StandardCharsets.US_ASCII));
            stopper.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await("redis on " + port + " exits after SHUTDOWN").atMost(within).pollInterval(Duration.ofMillis(10))
                .until(() -> !process.alive());
        return observed;
    }

    private boolean answersPingWithin(int millis) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(millis);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            return s.getInputStream().read() == '+';
        } catch (IOException e) {
            return false;
        }
    }

    /** kill -9: the process dies at once, without fsyncing anything. */
    public void kill() {
        process.kill();
    }

    /**
     * Copies the AOF directory (Redis 7's multi-part AOF: every part and its manifest) to {@code to}, as
     * a backup or a disk snapshot taken now would hold it. Safe while Redis runs: it only appends.
     */
    public void copyAof(Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(aofDir())) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces the AOF directory with the copy {@code from} (Redis must be down): on the next start it
     * holds what it held when the copy was taken, as after a host crash that lost the AOF's tail.
     */
    public void restoreAof(Path from) {
        if (alive()) {
            throw new IllegalStateException("redis on " + port + " is running; kill it before restoring its AOF");
        }
        TempTree.delete(aofDir());
        try {
            Files.createDirectories(aofDir());
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.toList()) {
                    Files.copy(f, aofDir().resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path aofDir() {
        return dir.resolve("appendonlydir");
    }

    public boolean alive() {
        return process.alive();
    }

    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** One inline command over a fresh connection; returns the first reply line, or null if the server closed. */
    private String command(String inline) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\r' && line.length() < 256; c = in.read()) {
                line.append((char) c);
            }
            return line.length() == 0 ? null : line.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
