package io.flashcoupon.launcher;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded RocketMQ name server + broker as a process of its own, or one of them alone as a process
 * of a cluster (arguments: {@link BrokerOptions}):
 * <ul>
 *   <li>{@code BrokerMain [--config srv.yaml] [--home dir] [--namesrv-port n] [--broker-port n]}: name server
 *       and broker in one process (role all, the default);
 *   <li>{@code BrokerMain --role namesrv --home dir --namesrv-port n}: a name server alone;
 *   <li>{@code BrokerMain --role broker --home dir --broker-name broker-b --broker-port n
 *       --namesrv-addr host:port}: a master broker alone, registering with that name server (its store
 *       under its home: one home per broker).
 * </ul>
 *
 * <p>Home and ports come from the {@code rocketmq} section of the service's configuration (class-path
 * srv.yaml, the file, then COUPON_ROCKETMQ_EMBEDDED_HOME / _NAMESRV_PORT / _BROKER_PORT), overridden by
 * the arguments. Services then run with {@code rocketmq.embedded=false} and
 * {@code rocketmq.nameservers=127.0.0.1:<namesrv-port>}, so a broker can be restarted, upgraded or
 * killed without the ingress (and the fault tests do exactly that). Needs {@code -Drocketmq.server.lib}
 * like the service. Prints {@value #READY_LINE} once the broker is registered with its name server
 * ({@value #NAMESRV_READY_LINE} for a name server alone, once it listens); a shutdown hook stops it
 * gracefully (15-20 s, RocketMQ's own waits).
 */
public final class BrokerMain {
    /** Logged once the name server lists the broker: clients can use it from then on. */
    public static final String READY_LINE = "broker ready";
    /** Logged by a name server alone (role namesrv) once it listens. */
    public static final String NAMESRV_READY_LINE = "name server ready";

    private static final Logger log = LoggerFactory.getLogger(BrokerMain.class);

    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        BrokerOptions options;
        try {
            options = BrokerOptions.parse(args, file -> new ConfigLoader().load(file, System.getenv()).rocketmq());
        } catch (ConfigException e) {
            System.err.println("configuration rejected: " + e.getMessage());
            System.err.println(BrokerOptions.USAGE);
            System.exit(2);
            return;
        }

        EmbeddedBroker broker = switch (options.role()) {
            case "namesrv" -> EmbeddedBroker.startNameServer(serverLib(), options.home(), options.namesrvPort());
            case "broker" -> EmbeddedBroker.startBroker(serverLib(), options.home(), options.brokerName(),
                    options.brokerPort(), options.namesrvAddr());
            default -> {
                Properties props = new Properties();
                props.setProperty("home", options.home().toAbsolutePath().toString());
                props.setProperty("namesrvPort", Integer.toString(options.namesrvPort()));
                props.setProperty("brokerPort", Integer.toString(options.brokerPort()));
                props.setProperty("brokerName", options.brokerName());
                yield EmbeddedBroker.start(serverLib(), props);
            }
        };
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } finally {
                stopped.countDown();
            }
        }, "shutdown"));
        if (options.role().equals("namesrv")) {
            log.info("{}: {}, home {}", NAMESRV_READY_LINE, broker.namesrvAddr(), options.home());
        } else {
            log.info("{}: {} {}, name server {}, home {}", READY_LINE, options.brokerName(), broker.brokerAddr(),
                    broker.namesrvAddr(), options.home());
        }
        stopped.await();
    }

    /** The server's jars, from {@code -Drocketmq.server.lib}. */
    private static Path serverLib() {
        String lib = System.getProperty(EmbeddedBroker.SERVER_LIB_PROPERTY);
        if (lib == null || lib.isBlank()) {
            throw new IllegalStateException("System property " + EmbeddedBroker.SERVER_LIB_PROPERTY
                    + " is not set: point it at launcher/rocketmq-embedded/target/server-lib (run mvn package first)");
        }
        return Path.of(lib);
    }
}
