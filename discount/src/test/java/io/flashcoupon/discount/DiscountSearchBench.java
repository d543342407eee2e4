package io.flashcoupon.discount;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Times bestCombination (CPU time of the calling thread, which is what the default budget counts)
 * on 10-, 20- and 50-coupon adversarial and pairs wallets and on the 50-coupon shapes measured before issue 15,
 * max stack 5, and counts the answers not proven within the budget. The JMH figures are
 * DiscountSearchBenchmark's; this one reports CPU time and the node counts. Not a test (surefire runs *Test only):
 * run after `mvn -pl discount test-compile` with
 * {@code java -cp discount/target/classes:discount/target/test-classes io.flashcoupon.discount.DiscountSearchBench}.
 * Prints, per wallet shape, the median / p99 / max time of one search and the largest node count.
 * With a second argument {@code nodes}: no timing, no budget; the node count median / p99 / max per
 * shape and the wallets with the most nodes (their index in the shape's sequence). With
 * {@code verify}: each wallet against the exhaustive walk. {@code -Dshape=prefix} picks shapes,
 * {@code -Dseed=k} (default 0) draws another sequence of wallets for every shape.
 */
public final class DiscountSearchBench {
    private DiscountSearchBench() {}

    record Case(Order order, List<CouponRule> wallet) {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        verify = args.length > 1 && args[1].equals("verify");
        nodesOnly = args.length > 1 && args[1].equals("nodes");
        seed = Long.getLong("seed", 0L);
        DiscountEngine engine = new DiscountEngine();
        only = System.getProperty("shape", "");
        for (int size : new int[] {10, 20, 50}) {
            shape(engine, "adversarial-" + size, runs, rnd -> {
                Order o = RandomWallets.order(rnd, 10, 5, 800);
                return new Case(o, RandomWallets.adversarial(rnd, o, size, 5, false));
            });
            shape(engine, "adv-rules-" + size, runs, rnd -> {
                Order o = RandomWallets.order(rnd, 10, 5, 800);
                return new Case(o, RandomWallets.adversarial(rnd, o, size, 5, true));
            });
            shape(engine, "excl-pct-" + size, runs, rnd -> {
                Order o = RandomWallets.order(rnd, 12, 6, 0);
                return new Case(o, RandomWallets.exclusivePercents(rnd, o, size, 6));
            });
            shape(engine, "pairs-" + size, runs, rnd -> new Case(RandomWallets.order(rnd, 12, 6, 0),
                    RandomWallets.pairs(rnd, size, 6)));
        }
        shape(engine, "mixed", runs, rnd -> new Case(RandomWallets.order(rnd, 12, 5, 800),
                RandomWallets.mixed(rnd, 50, 5)));
        shape(engine, "all-capped", runs, rnd -> new Case(Order.of(0, new OrderLine(1, 1, 1, 10_000)),
                RandomWallets.allCapped(50, 10_000)));
        shape(engine, "crowded", runs, rnd -> new Case(RandomWallets.order(rnd, 10, 4, 0),
                RandomWallets.crowded(rnd, 50, 1)));
        shape(engine, "overlapping", runs, rnd -> new Case(RandomWallets.order(rnd, 15, 6, 0),
                RandomWallets.overlapping(rnd, 50, 6)));
        shape(engine, "near-ties", runs, rnd -> new Case(Order.of(0, new OrderLine(1, 1, 1, 60_000),
                new OrderLine(2, 2, 3, 13_337)), RandomWallets.nearTies(rnd, 50, 60_000 + 3 * 13_337)));
        shape(engine, "few-templates", runs, rnd -> new Case(RandomWallets.order(rnd, 8, 3, 1200),
                RandomWallets.fewTemplates(50)));
    }

    private static boolean verify;
    private static boolean nodesOnly;
    private static long seed;
    /** -Dshape=prefix: only the shapes whose name starts with it. */
    private static String only = "";

    private static void shape(DiscountEngine engine, String name, int runs, Function<Random, Case> make) {
        if (!name.startsWith(only)) {
            return;
        }
        List<Case> cases = new ArrayList<>();
        Random rnd = new Random(name.hashCode() + 1_000_003L * seed);
        for (int i = 0; i < runs; i++) {
            cases.add(make.apply(rnd));
        }
        if (verify && name.startsWith("adv-rules")) {
            System.out.println(name + ": not verified (the exhaustive walk knows class limits only; the property tests' oracle covers template rules)");
            return;
        }
        if (verify) {
            for (Case c : cases) {
                BruteForce.Best bf = BruteForce.viaEvaluator(engine.maxStackCount(), c.order(), c.wallet());
                BestCombination b = engine.bestCombination(c.order(), c.wallet());
                if (!b.couponIds().equals(bf.ids()) || b.result().discountCents() != bf.discount()) {
                    throw new AssertionError(name + ": search " + b.couponIds() + "=" + b.result().discountCents()
                            + " but brute force " + bf.ids() + "=" + bf.discount());
                }
            }
            System.out.println(name + ": " + runs + " wallets match brute force");
            return;
        }
        if (nodesOnly) {
            countNodes(engine.maxStackCount(), name, cases);
            return;
        }
        for (int warm = 0; warm < 3; warm++) {
            for (Case c : cases) {
                engine.bestCombination(c.order(), c.wallet());
            }
        }
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] nanos = new long[runs];
        long[] cpu = new long[runs];
        long maxNodes = 0;
        int unproven = 0;
        for (int i = 0; i < runs; i++) {
            Case c = cases.get(i);
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            BestCombination b = engine.bestCombination(c.order(), c.wallet());
            nanos[i] = System.nanoTime() - t0;
            cpu[i] = mx.getCurrentThreadCpuTime() - c0;
            maxNodes = Math.max(maxNodes, b.nodes());
            unproven += b.proven() ? 0 : 1;
        }
        Arrays.sort(nanos);
        Arrays.sort(cpu);
        System.out.printf("%-14s runs=%d cpu median=%.3f p99=%.3f max=%.3f ms | wall median=%.3f p99=%.3f ms"
                + " | maxNodes=%d unproven=%d%n", name, runs, cpu[runs / 2] / 1e6, cpu[(int) (runs * 0.99)] / 1e6,
                cpu[runs - 1] / 1e6, nanos[runs / 2] / 1e6, nanos[(int) (runs * 0.99)] / 1e6, maxNodes, unproven);
    }

    /** Node counts of searches without a budget (a budget of a day of CPU), not timed. */
    private static void countNodes(int maxStack, String name, List<Case> cases) {
        DiscountEngine unbounded = new DiscountEngine(maxStack, java.time.Duration.ofDays(1),
                DiscountEngine.threadCpuTicker());
        int runs = cases.size();
        long[] nodes = new long[runs];
        Integer[] byNodes = new Integer[runs];
        for (int i = 0; i < runs; i++) {
            Case c = cases.get(i);
            BestCombination b = unbounded.bestCombination(c.order(), c.wallet());
            nodes[i] = b.nodes();
            byNodes[i] = i;
        }
        Arrays.sort(byNodes, (a, b) -> Long.compare(nodes[b], nodes[a]));
        long[] sorted = nodes.clone();
        Arrays.sort(sorted);
        StringBuilder worst = new StringBuilder();
        for (int i = 0; i < Math.min(5, runs); i++) {
            worst.append(i == 0 ? "" : ", ").append('#').append(byNodes[i]).append('=').append(nodes[byNodes[i]]);
        }
        System.out.printf("%-14s runs=%d nodes median=%d p99=%d max=%d | most: %s%n", name, runs,
                sorted[runs / 2], sorted[(int) (runs * 0.99)], sorted[runs - 1], worst);
    }
}
