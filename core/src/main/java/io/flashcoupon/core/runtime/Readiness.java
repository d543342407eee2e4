package io.flashcoupon.core.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process should take traffic ({@code /readyz}, the gRPC health service): it has
 * started and is not stopping, and every dependency it checks answers - Redis, MySQL, the broker. A
 * dependency is checked at most once per {@code cacheFor} (the probe and the gRPC health mirror can
 * ask as often as they like) and given at most its own timeout; a check still running after it is
 * reported down ("no answer within ...") and not started a second time until it returns, so a hung
 * dependency never piles up threads. Liveness ({@code /healthz}) does not go through here.
 */
public final class Readiness {
    private static final Logger log = LoggerFactory.getLogger(Readiness.class);
    /** Where the process is in its life: starting (before markReady), running, stopping. */
    public enum Phase { STARTING, RUNNING, STOPPING }

    /** One dependency's check: returns a detail for the reply (may be empty), throws when unusable. */
    @FunctionalInterface
    public interface Probe {
        String probe() throws Exception;
    }

    /** A dependency by name, checked by {@code probe} within {@code timeout}. */
    public record Check(String name, Duration timeout, Probe probe) {
        public Check {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(probe, "probe");
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout of check " + name + " must be positive: " + timeout);
            }
        }
    }

    /** What the last check of one dependency found, how long it took and when (nanoTime). */
    public record DependencyState(String name, boolean up, long latencyMs, String detail) {}

    /** The answer of {@code /readyz}: ready only when running and every dependency is up. */
    public record Report(boolean ready, Phase phase, List<DependencyState> dependencies) {
        /** The names of the dependencies that are down, for a log line or a 503's summary. */
        public List<String> down() {
            return dependencies.stream().filter(d -> !d.up()).map(DependencyState::name).toList();
        }
    }

    private final BooleanSupplier running;
    private final BooleanSupplier stopping;
    private final List<Cached> checks;
    private final long cacheNanos;
    private final LongSupplier nanoTime;
    private final Executor executor;
    private List<String> lastDown = List.of();

    /**
     * {@code running}: started and not stopping ({@link Lifecycle#ready}); {@code stopping}: the stop
     * has begun; {@code checks} run on {@code executor}, each at most once per {@code cacheFor}.
     */
    public Readiness(BooleanSupplier running, BooleanSupplier stopping, List<Check> checks, Duration cacheFor,
            LongSupplier nanoTime, Executor executor) {
        this.running = Objects.requireNonNull(running, "running");
        this.stopping = Objects.requireNonNull(stopping, "stopping");
        this.cacheNanos = cacheFor.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.executor = Objects.requireNonNull(executor, "executor");
        List<Cached> cs = new ArrayList<>();
        for (Check c : checks) {
            cs.add(new Cached(c));
        }
        this.checks = List.copyOf(cs);
    }

    /** Readiness of a process that checks no dependency: its lifecycle flag alone (tests, tools). */
    public static Readiness flagOnly(BooleanSupplier running) {
        return new Readiness(running, () -> false, List.of(), Duration.ofSeconds(1), System::nanoTime, Runnable::run);
    }

    /** Every dependency's state (refreshed where older than the cache period) and the verdict. */
    public Report report() {
        long now = nanoTime.getAsLong();
        List<CompletableFuture<DependencyState>> pending = new ArrayList<>(checks.size());
        for (Cached c : checks) {
            pending.add(c.refreshIfStale(now));
        }
        List<DependencyState> states = new ArrayList<>(checks.size());
        for (int i = 0; i < checks.size(); i++) {
            states.add(checks.get(i).await(pending.get(i), now));
        }
        Phase phase = running.getAsBoolean() ? Phase.RUNNING : stopping.getAsBoolean() ? Phase.STOPPING : Phase.STARTING;
        boolean ready = phase == Phase.RUNNING && states.stream().allMatch(DependencyState::up);
        Report report = new Report(ready, phase, List.copyOf(states));
        logChange(report);
        return report;
    }

    /** Logs a running process turning unready (naming what is down, and why) and ready again. */
    private synchronized void logChange(Report report) {
        if (report.phase() != Phase.RUNNING || report.down().equals(lastDown)) {
            return;
        }
        if (report.down().isEmpty()) {
            log.info("readiness: ready again, every dependency answers");
        } else {
            log.warn("readiness: NOT ready, down: {}", report.dependencies().stream().filter(d -> !d.up())
                    .map(d -> d.name() + " (" + d.detail() + ")").toList());
        }
        lastDown = report.down();
    }

    /** Shorthand for {@code report().ready()}. */
    public boolean ready() {
        return report().ready();
    }

    /** One dependency with its last state, the time it was taken, and the check in progress if any. */
    private final class Cached {
        private final Check check;
        private DependencyState last;
        private long lastAt;
        private CompletableFuture<DependencyState> running;

        Cached(Check check) {
            this.check = check;
        }

        /** The check in progress (started now if the last state is older than the cache period), or null. */
        synchronized CompletableFuture<DependencyState> refreshIfStale(long now) {
            if (last != null && now - lastAt < cacheNanos) {
                return null;
            }
            if (running == null) {
                CompletableFuture<DependencyState> f = new CompletableFuture<>();
                running = f;
                try {
                    executor.execute(() -> f.complete(runCheck()));
                } catch (RuntimeException e) { // executor shut down or full
                    f.complete(new DependencyState(check.name(), false, 0, "not checked: " + e));
                }
            }
            return running;
        }

        /** Waits for {@code f} within the check's timeout; the state to report, remembered until stale. */
        DependencyState await(CompletableFuture<DependencyState> f, long now) {
            if (f == null) {
                synchronized (this) {
                    return last;
                }
            }
            DependencyState state;
            try {
                state = f.get(check.timeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                state = new DependencyState(check.name(), false, check.timeout().toMillis(),
                        "no answer within " + check.timeout().toMillis() + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                state = new DependencyState(check.name(), false, 0, "interrupted while checking");
            } catch (ExecutionException e) {
                state = new DependencyState(check.name(), false, 0, String.valueOf(e.getCause()));
            }
            synchronized (this) {
                if (f.isDone() && running == f) {
                    running = null;
                } else if (running == f) {
                    // still running: the next refresh waits on it rather than starting another
                    f.whenComplete((s, e) -> clear(f));
                }
                last = state;
                lastAt = now;
                return state;
            }
        }

        private synchronized void clear(CompletableFuture<DependencyState> f) {
            if (running == f) {
                running = null;
            }
        }

        private DependencyState runCheck() {
            long t0 = nanoTime.getAsLong();
            try {
                String detail = check.probe().probe();
                return new DependencyState(check.name(), true, millisSince(t0), detail == null ? "" : detail);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new DependencyState(check.name(), false, millisSince(t0), "interrupted");
            } catch (Exception e) {
                return new DependencyState(check.name(), false, millisSince(t0), message(e));
            }
        }

        private long millisSince(long t0) {
            return TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - t0);
        }
    }

    /** The most telling message of {@code e}: its own, else its cause's, else its class. */
    static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getClass().getSimpleName() + ": " + t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return e.getClass().getSimpleName();
    }
}
