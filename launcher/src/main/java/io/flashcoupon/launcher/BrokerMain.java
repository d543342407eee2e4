package io.flashcoupon.launcher;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded RocketMQ name server + broker as a process of its own:
 * {@code BrokerMain [--config srv.yaml] [--home dir] [--namesrv-port n] [--broker-port n]}.
 *
 * <p>Home and ports come from the {@code rocketmq} section of the service's configuration (class-path
 * srv.yaml, the file, then COUPON_ROCKETMQ_EMBEDDED_HOME / _NAMESRV_PORT / _BROKER_PORT), overridden by
 * the arguments. Services then run with {@code rocketmq.embedded=false} and
 * {@code rocketmq.nameservers=127.0.0.1:<namesrv-port>}, so a broker can be restarted, upgraded or
 * killed without the ingress (and the fault tests do exactly that). Needs {@code -Drocketmq.server.lib}
 * like the service. Prints {@value #READY_LINE} once the broker is registered with its name server; a
 * shutdown hook stops it gracefully (15-20 s, RocketMQ's own waits).
 */
public final class BrokerMain {
    /** Logged once the name server lists the broker: clients can use it from then on. */
    public static final String READY_LINE = "broker ready";

    private static final Logger log = LoggerFactory.getLogger(BrokerMain.class);

    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        Path configFile = null;
        String home = null;
        Integer namesrvPort = null;
        Integer brokerPort = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--config" -> configFile = Path.of(required(args[i], value));
                    case "--home" -> home = required(args[i], value);
                    case "--namesrv-port" -> namesrvPort = port(args[i], value);
                    case "--broker-port" -> brokerPort = port(args[i], value);
                    default -> throw new ConfigException("unknown argument " + args[i]);
                }
                i++;
            }
            ServiceConfig.Rocketmq mq = new ConfigLoader().load(configFile, System.getenv()).rocketmq();
            home = home != null ? home : mq.embeddedHome();
            namesrvPort = namesrvPort != null ? namesrvPort : mq.namesrvPort();
            brokerPort = brokerPort != null ? brokerPort : mq.brokerPort();
            if (home == null || home.isBlank()) {
                throw new ConfigException("--home (or rocketmq.embedded-home) is required");
            }
        } catch (ConfigException e) {
            System.err.println("configuration rejected: " + e.getMessage());
            System.err.println("usage: BrokerMain [--config srv.yaml] [--home dir] [--namesrv-port n] [--broker-port n]");
            System.exit(2);
            return;
        }

        EmbeddedBroker broker = EmbeddedBroker.start(Path.of(home), namesrvPort, brokerPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } finally {
                stopped.countDown();
            }
        }, "shutdown"));
        log.info("{}: name server {}, broker {}, home {}", READY_LINE, broker.namesrvAddr(), broker.brokerAddr(), home);
        stopped.await();
    }

    private static String required(String flag, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(flag + " needs a value");
        }
        return value;
    }

    private static int port(String flag, String value) {
        try {
            int p = Integer.parseInt(required(flag, value));
            if (p < 1 || p > 65535) {
                throw new ConfigException(flag + " must be a port (1-65535), was " + value);
            }
            return p;
        } catch (NumberFormatException e) {
            throw new ConfigException(flag + " must be a port (1-65535), was " + value);
        }
    }
}
