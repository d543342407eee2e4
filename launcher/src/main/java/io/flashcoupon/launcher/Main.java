package io.flashcoupon.launcher;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.sale.NodeIdTakenException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of a service process: {@code Main [--config srv.yaml]}. Configuration is the
 * class-path srv.yaml, overlaid by the file, overlaid by COUPON_* environment variables; the process
 * runs the stage processes server.roles picks ({@link CouponService}) until SIGTERM stops them.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    /** Beyond the budget, time for the JVM's own exit before the watchdog halts it. */
    private static final long HALT_GRACE_MS = 2_000;

    private Main() {}

    private static void haltAfter(long ms, CountDownLatch stopped) {
        try {
            if (!stopped.await(ms, TimeUnit.MILLISECONDS)) {
                log.error("shutdown: not finished {} ms after SIGTERM; halting the JVM", ms);
                Runtime.getRuntime().halt(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) throws Exception {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            if ("--config".equals(args[i]) && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else {
                System.err.println("usage: Main [--config srv.yaml]");
                System.exit(2);
            }
        }
        ServiceConfig config;
        try {
            config = new ConfigLoader().load(configFile, System.getenv());
        } catch (ConfigException e) {
            System.err.println("configuration rejected: " + e.getMessage());
            System.exit(2);
            return;
        }
        CouponService service;
        try {
            service = CouponService.start(config, Clock.systemUTC());
        } catch (NodeIdTakenException e) {
            log.error("start refused: {}", e.getMessage());
            System.exit(3);
            return;
        } catch (ConfigException e) {
            // what the configuration asks of a server it cannot give (e.g. Redis durability): one line
            System.err.println("start refused: " + e.getMessage());
            System.exit(2);
            return;
        } catch (Exception | LinkageError e) {
            // a dependency unreachable, a port taken: one line naming it; the trace for whoever debugs
            log.debug("start failure", e);
            System.err.println(StartFailure.describe(e, config));
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        long budgetMs = config.server().shutdownTimeoutMs();
        // SIGTERM/SIGINT: a graceful stop within server.shutdown-timeout-ms; a part that ignores its
        // share of the budget (e.g. a broker call hanging) cannot hold the process beyond it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread watchdog = new Thread(() -> haltAfter(budgetMs + HALT_GRACE_MS, stopped), "shutdown-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            service.shutdown(budgetMs);
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
    }
}
