import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.sale.GrabCandidate;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * scripts/bench-durability's Java half: THREADS threads call SaleStore.grabSync on one shared
 * connection (as the service's grab threads do) for SECONDS after a 2 s warm-up, against the sale
 * fs:{999999} the script set up; MODE is a redis.durability value, or none (no check, nothing waited
 * for). Prints "grabs/s,p50 ms,p99 ms,failed" of the grabs answered GRANTED in the measured window;
 * failed = calls that threw (a WAITAOF that fell short, a timeout); any other answer fails the run.
 * Usage: java -cp <core classes + deps> SaleStoreLoad.java PORT MODE THREADS SECONDS
 */
public final class SaleStoreLoad {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String mode = args[1];
        int threads = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        long activity = 999_999;
        ServiceConfig.Redis config = new ServiceConfig.Redis("127.0.0.1", port, "", 0, 5000,
                "none".equals(mode) ? "auto" : mode, 0, 4000);
        RedisConnector redis = "none".equals(mode) ? new RedisConnector(config)
                : new RedisConnector(config, new SimpleMeterRegistry());
        SaleStore store = new SaleStore(redis.connection(), Duration.ofSeconds(5), redis.durability());
        AtomicLong users = new AtomicLong();
        long warmEnd = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        long end = warmEnd + Duration.ofSeconds(seconds).toNanos();
        List<long[]> perThread = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        int[] counts = new int[threads];
        AtomicLong failed = new AtomicLong();
        for (int i = 0; i < threads; i++) {
            long[] latencies = new long[4_000_000 / threads + 1_000];
            perThread.add(latencies);
            int me = i;
            Thread t = new Thread(() -> {
                int n = 0;
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= end) {
                        break;
                    }
                    long user = users.incrementAndGet();
                    GrabResult r;
                    try {
                        r = store.grabSync(activity, 1, new GrabCandidate(user, "sn" + user, System.currentTimeMillis(), null));
                    } catch (RuntimeException e) {
                        if (t0 >= warmEnd) {
                            failed.incrementAndGet();
                        }
                        continue;
                    }
                    long t1 = System.nanoTime();
                    if (r.code() != GrabCode.GRANTED) {
                        throw new IllegalStateException("grab answered " + r.code());
                    }
                    if (t0 >= warmEnd && n < latencies.length) {
                        latencies[n++] = t1 - t0;
                    }
                }
                counts[me] = n;
            }, "grab-" + i);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int i = 0; i < threads; i++) {
            System.arraycopy(perThread.get(i), 0, all, at, counts[i]);
            at += counts[i];
        }
        Arrays.sort(all);
        if (total == 0) {
            System.out.printf("0,,,%d%n", failed.get());
        } else {
            System.out.printf("%.0f,%.2f,%.2f,%d%n", total / (double) seconds, all[total / 2] / 1e6,
                    all[(int) Math.min(total - 1, Math.ceil(total * 0.99) - 1)] / 1e6, failed.get());
        }
        redis.close();
    }
}
