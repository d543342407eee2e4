package io.flashcoupon.systemtest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One OS process of a fault test (service, broker or Redis) that can be started, killed with
 * SIGKILL and started again with the same command, environment and log file. Output goes to the
 * log file, each start preceded by a marker line. A JVM shutdown hook kills what is still running,
 * so no child outlives the test JVM.
 */
final class ChildProcess {
    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private Process process;
    private int starts;

    ChildProcess(String name, List<String> command, Map<String, String> env, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.log = log;
        Runtime.getRuntime().addShutdownHook(new Thread(this::killQuietly, "kill-" + name));
    }

    /** The java of this JVM with {@code jvmArgs}, {@code mainClass} and {@code args}. */
    static List<String> java(String classpath, List<String> jvmArgs, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(log.getParent());
            starts++;
            Files.writeString(log, "===== " + Instant.now() + " start #" + starts + " of " + name + ": "
                    + String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(command);
            // Nothing of the developer's or CI's COUPON_* environment leaks into the child.
            pb.environment().keySet().removeIf(k -> k.startsWith("COUPON_"));
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** SIGKILL (Process.destroyForcibly on Linux) and wait, with a deadline, until the process is gone. */
    synchronized void kill() {
        requireStarted();
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM (shutdown hooks run); SIGKILL if it has not exited within {@code grace}. */
    synchronized void stop(Duration grace) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        awaitExit(Duration.ofSeconds(30));
    }

    /**
     * SIGTERM only (shutdown hooks run, no SIGKILL fallback) and wait up to {@code within} for the
     * exit; returns how long the process took to exit, or fails (then kills it) if it did not.
     */
    synchronized Duration terminate(Duration within) {
        requireStarted();
        long t0 = System.nanoTime();
        process.destroy();
        try {
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(name + " (pid " + process.pid() + ") did not exit within " + within
                        + " of SIGTERM; end of " + log + ":\n" + logTail(40));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted waiting for " + name + " to exit", e);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** The exit code of the last run (the process must have exited). */
    int exitCode() {
        requireStarted();
        return process.exitValue();
    }

    /** The log's lines written since the last start marker (this run's output). */
    List<String> linesOfThisRun() {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            int from = 0;
            for (int i = all.size() - 1; i >= 0; i--) {
                if (all.get(i).startsWith("===== ") && all.get(i).contains(" start #")) {
                    from = i + 1;
                    break;
                }
            }
            return all.subList(from, all.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails with the end of the log when the process has exited (it should be running). */
    void requireAlive() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new AssertionError(name + " is not running" + (p == null ? "" : " (exit code " + p.exitValue() + ")")
                    + "; end of " + log + ":\n" + logTail(40));
        }
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    long pid() {
        requireStarted();
        return process.pid();
    }

    int starts() {
        return starts;
    }

    Path log() {
        return log;
    }

    String name() {
        return name;
    }

    /** The last {@code lines} lines of the log file. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** How many lines of the log contain {@code text}. */
    long countInLog(String text) {
        try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(text)).count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Waits up to {@code within} for the process to exit (on its own); fails if it does not. */
    void awaitExit(Duration within) {
        try {
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " (pid " + process.pid() + ") did not exit within " + within);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + name + " to exit", e);
        }
    }

    private void requireStarted() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
    }

    private void killQuietly() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name + (process == null ? "" : " (pid " + process.pid() + ")");
    }
}
