package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.OperationId;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.SaleTransition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the grant path before the process reports ready, so the first real sale after a start does not
 * pay for the JIT: a fresh service granted 1,520/s in its first sale and 2,907/s in its third
 * (docs/performance.md). It grabs {@code grabs} coupons of a synthetic sale that exists only in Redis,
 * under a negative activity id no real activity can have, through a {@link Grabber} whose ledger
 * sends to the warm-up topic (transactional, like a real grab; nobody consumes it), with its own
 * metrics; then it ends the sale and deletes its keys (cleanup's tombstone, one small key per node id,
 * stays until its TTL). No row, no coupon-events message, no change to the service's grab meters. Best effort: a failure is logged and start-up goes on.
 */
public final class GrabWarmup {
    private static final Logger log = LoggerFactory.getLogger(GrabWarmup.class);

    /** What one warm-up did. */
    public record Result(int grabs, int granted, long millis, long keysDeleted) {}

    private final SaleStore store;
    private final Grabber grabber;
    private final Clock clock;

    /** {@code grabber} must publish to the warm-up topic (never to coupon-events). */
    public GrabWarmup(SaleStore store, Grabber grabber, Clock clock) {
        this.store = store;
        this.grabber = grabber;
        this.clock = clock;
    }

    /** The synthetic sale's id for node {@code nodeId}: negative, so it can never be a real activity's. */
    public static long saleId(int nodeId) {
        return -1L - nodeId;
    }

    /** Grabs {@code grabs} coupons of the synthetic sale {@code saleId} on {@code pool}, then removes the sale. */
    public Result run(long saleId, int grabs, ExecutorService pool, Duration within) {
        long t0 = System.nanoTime();
        Instant now = clock.instant();
        Activity sale = new Activity(saleId, 0, "start-up warm-up", grabs, now.minusSeconds(60), now.plusSeconds(3600),
                1, ActivityStatus.ACTIVE);
        int granted = 0;
        long deleted = 0;
        remove(saleId); // left over by a process killed during its warm-up
        try {
            store.start(sale);
            List<Future<GrabAnswer>> answers = new ArrayList<>(grabs);
            for (int i = 1; i <= grabs; i++) {
                long user = i;
                answers.add(pool.submit(() -> grabber.grab(sale, user, null, null)));
            }
            long deadline = System.nanoTime() + within.toNanos();
            for (Future<GrabAnswer> answer : answers) {
                long left = deadline - System.nanoTime();
                GrabAnswer a = answer.get(Math.max(1, left), TimeUnit.NANOSECONDS);
                if (a.failed()) {
                    log.warn("start-up warm-up stopped after {} grant(s): {}", granted, a.message());
                    break;
                }
                if (a.verdict() == GrabAnswer.Verdict.GRANTED) {
                    granted++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("start-up warm-up interrupted after {} grant(s)", granted);
        } catch (Exception e) {
            log.warn("start-up warm-up stopped after {} grant(s): {}", granted, e.toString());
        } finally {
            deleted = remove(saleId);
        }
        Result r = new Result(grabs, granted, (System.nanoTime() - t0) / 1_000_000, deleted);
        log.info("start-up warm-up: {} of {} grabs granted in {} ms on synthetic sale {}, {} key(s) removed",
                r.granted(), r.grabs(), r.millis(), saleId, r.keysDeleted());
        return r;
    }

    private long remove(long saleId) {
        try {
            store.transition(saleId, SaleTransition.STOP, OperationId.fresh());
            SaleStore.SaleSnapshot s = store.snapshot(saleId);
            return s.exists()
                    ? store.cleanup(saleId, s.ledgerSize(), s.remaining(), OperationId.fresh()).keysDeleted()
                    : 0;
        } catch (RuntimeException e) {
            log.warn("start-up warm-up could not remove its synthetic sale {}: {}", saleId, e.toString());
            return 0;
        }
    }
}
