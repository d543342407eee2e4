package io.flashcoupon.launcher;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of the single-machine service: {@code Main [--config srv.yaml]}. Configuration is the
 * class-path srv.yaml, overlaid by the file, overlaid by COUPON_* environment variables.
 */
public final class Main {
    private Main() {}

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
        CouponService service = CouponService.start(config, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
    }
}
