package io.flashcoupon.core.sale;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One coupon_sn is made per grab, by up to grab-threads callers at once. Compares the generator
 * (compare-and-set on one tick, digits written into one buffer) with the synchronized version with
 * Long.toString + "0".repeat padding it replaced, at 1 and 4 threads. Run with scripts/jmh.
 *
 * <p>Measured (scripts/jmh CouponSn, 2 shared cores, 2026-11-26; ops/us, higher is better): see
 * docs/performance.md "JMH".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CouponSnBenchmark {
    private final CouponSnGenerator current = new CouponSnGenerator(Clock.systemUTC(), 7);
    private final SynchronizedGenerator previous = new SynchronizedGenerator(Clock.systemUTC(), 7);

    @Benchmark
    @Threads(1)
    public String lockFree_1thread() {
        return current.next();
    }

    @Benchmark
    @Threads(1)
    public String synchronized_1thread() {
        return previous.next();
    }

    @Benchmark
    @Threads(4)
    public String lockFree_4threads() {
        return current.next();
    }

    @Benchmark
    @Threads(4)
    public String synchronized_4threads() {
        return previous.next();
    }

    /** The generator as it was before (kept here only as the baseline). */
    static final class SynchronizedGenerator {
        private final Clock clock;
        private final long nodePart;
        private long lastMs = -1;
        private long seq;

        SynchronizedGenerator(Clock clock, int nodeId) {
            this.clock = clock;
            this.nodePart = (long) nodeId << 12;
        }

        synchronized String next() {
            long now = clock.millis() - CouponSnGenerator.EPOCH_MS;
            if (now > lastMs) {
                lastMs = now;
                seq = 0;
            } else if (++seq > 4095) {
                lastMs++;
                seq = 0;
            }
            long value = (lastMs << 22) | nodePart | seq;
            String digits = Long.toString(value);
            return digits.length() == 19 ? digits : "0".repeat(19 - digits.length()) + digits;
        }
    }
}
