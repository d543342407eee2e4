package io.flashcoupon.topology.expiry;

import io.flashcoupon.core.wallet.WalletExpiry;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the wallet's two periodic passes: release locks past their deadline, expire unused coupons
 * past their validity. Safe on several instances (each row changes by one conditional UPDATE, see
 * {@link WalletExpiry}); {@code onChange} is told how many rows a pass changed (wakes the relay).
 */
public final class WalletExpiryJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalletExpiryJob.class);

    private final WalletExpiry expiry;
    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final long lockIntervalMs;
    private final long expireIntervalMs;
    private final int batch;
    private final IntConsumer onChange;

    public WalletExpiryJob(WalletExpiry expiry, ScheduledExecutorService executor, Clock clock, long lockIntervalMs,
            long expireIntervalMs, int batch, IntConsumer onChange) {
        this.expiry = expiry;
        this.executor = executor;
        this.clock = clock;
        this.lockIntervalMs = lockIntervalMs;
        this.expireIntervalMs = expireIntervalMs;
        this.batch = batch;
        this.onChange = onChange;
    }

    public WalletExpiryJob start() {
        executor.scheduleWithFixedDelay(this::releaseLocks, lockIntervalMs, lockIntervalMs, TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(this::expireCoupons, expireIntervalMs, expireIntervalMs, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One pass of the lock-expiry job (until fewer than a batch is left); returns the locks released. */
    public int releaseLocks() {
        return loop("lock expiry", () -> expiry.releaseExpiredLocks(clock.instant(), batch));
    }

    /** One pass of the coupon-expiry job; returns the coupons marked EXPIRED. */
    public int expireCoupons() {
        return loop("coupon expiry", () -> expiry.expireCoupons(clock.instant(), batch));
    }

    private int loop(String name, java.util.function.IntSupplier pass) {
        int total = 0;
        try {
            int n;
            do {
                n = pass.getAsInt();
                total += n;
                if (n > 0) {
                    onChange.accept(n);
                }
            } while (n >= batch);
            if (total > 0) {
                log.info("{}: {} coupon(s) changed", name, total);
            }
        } catch (RuntimeException e) {
            log.warn("{} pass failed, retrying at the next run: {}", name, e.toString());
        }
        return total;
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
