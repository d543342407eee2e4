package io.flashcoupon.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every grab passes the sale's five Redis keys to its script; {@link Registry#saleKeys} builds them
 * per call. Measures that against a per-activity cache of the key array, to decide whether caching
 * is worth a map on the hot path. Run with scripts/jmh.
 *
 * <p>Measured (scripts/jmh SaleKeys, 2 shared cores at load ~5, 2026-11-26): build 119 ns, cached 9 ns.
 * The ~110 ns saved is well under 0.1 % of a grab's CPU (hundreds of microseconds across gRPC, the
 * broker and Redis), so the keys stay built per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SaleKeysBenchmark {
    private final ConcurrentHashMap<Long, String[]> cache = new ConcurrentHashMap<>();
    private long activityId = 1_234_567L;

    @Benchmark
    public String[] buildPerCall() {
        return Registry.saleKeys(activityId);
    }

    @Benchmark
    public String[] cachedPerActivity() {
        return cache.computeIfAbsent(activityId, Registry::saleKeys);
    }
}
