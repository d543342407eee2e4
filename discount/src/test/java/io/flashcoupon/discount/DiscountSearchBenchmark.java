package io.flashcoupon.discount;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The best-combination search over generated 10-, 20- and 50-coupon wallets, adversarial ones
 * included (issue 15): JMH's sample mode gives p50/p99 of one search; the share of answers proven
 * optimal within the default budget is printed at the end of each trial ("proven x/y"). Run with
 * {@code flock /tmp/it.lock env JMH_MODULE=discount scripts/jmh DiscountSearch}.
 *
 * <p>Shapes (RandomWallets): mixed (thresholds, capped percentages, shipping, some category scopes);
 * adversarial (mutually exclusive percentages, partly overlapping scopes, thresholds a cent around
 * the eligible subtotal); adv-rules (the same with template copies, exclusive coupons, combines-with
 * limits and floors); excl-pct (the wallet: a fifth mutually exclusive percentages, full-cuts
 * on overlapping category pairs and triples); pairs (big full-cuts on category pairs, the hardest
 * shape for the bound before issue 15).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class DiscountSearchBenchmark {
    @Param({"10", "20", "50"})
    public int coupons;

    @Param({"mixed", "adversarial", "adv-rules", "excl-pct", "pairs"})
    public String shape;

    private final DiscountEngine engine = new DiscountEngine();
    private final List<Order> orders = new ArrayList<>();
    private final List<List<CouponRule>> wallets = new ArrayList<>();
    private int next;
    private long proven;
    private long searches;

    @Setup(Level.Trial)
    public void generate() {
        Random rnd = new Random(shape.hashCode() * 31L + coupons);
        for (int i = 0; i < 200; i++) {
            Order o;
            List<CouponRule> w;
            switch (shape) {
                case "mixed" -> {
                    o = RandomWallets.order(rnd, 12, 5, 800);
                    w = RandomWallets.mixed(rnd, coupons, 5);
                }
                case "adversarial", "adv-rules" -> {
                    o = RandomWallets.order(rnd, 10, 5, 800);
                    w = RandomWallets.adversarial(rnd, o, coupons, 5, shape.equals("adv-rules"));
                }
                case "excl-pct" -> {
                    o = RandomWallets.order(rnd, 12, 6, 0);
                    w = RandomWallets.exclusivePercents(rnd, o, coupons, 6);
                }
                case "pairs" -> {
                    o = RandomWallets.order(rnd, 12, 6, 0);
                    w = RandomWallets.pairs(rnd, coupons, 6);
                }
                default -> throw new IllegalArgumentException("unknown shape " + shape);
            }
            orders.add(o);
            wallets.add(w);
        }
    }

    @Benchmark
    public BestCombination search() {
        int i = next;
        next = (i + 1) % orders.size();
        BestCombination b = engine.bestCombination(orders.get(i), wallets.get(i));
        searches++;
        proven += b.proven() ? 1 : 0;
        return b;
    }

    @TearDown(Level.Trial)
    public void report() {
        System.out.printf("%n%s/%d proven %d/%d (%.2f %%)%n", shape, coupons, proven, searches,
                100.0 * proven / Math.max(1, searches));
    }
}
