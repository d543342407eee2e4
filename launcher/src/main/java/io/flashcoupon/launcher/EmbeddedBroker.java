package io.flashcoupon.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RocketMQ name server and broker of the single-machine deployment, run inside this JVM; or one of
 * them alone, a process of a cluster ({@link #startNameServer}, {@link #startBroker}).
 *
 * <p>The server's jars ({@code launcher/rocketmq-embedded/target/server-lib}, or the directory named by
 * the system property {@code rocketmq.server.lib}) are loaded in their own {@link URLClassLoader}
 * whose parent is the platform class loader, so RocketMQ's server dependencies (netty, grpc, guava,
 * its own remoting client, ...) never meet the service's. Only JDK types cross the boundary.
 *
 * <p>Ports: the name server takes {@code namesrvPort}; the broker takes {@code brokerPort - 2},
 * {@code brokerPort} and {@code brokerPort + 1}. Everything listens on 127.0.0.1 only.
 * Known gap: no shutdown hook; the owner closes it (broker, then name server, then the class loader).
 */
public final class EmbeddedBroker implements AutoCloseable {

    /** System property naming the directory of the server's jars. */
    public static final String SERVER_LIB_PROPERTY = "rocketmq.server.lib";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final String SERVER_CLASS = "io.flashcoupon.rocketmq.embedded.EmbeddedRocketMq";

    private final URLClassLoader loader;
    private final AutoCloseable server;
    private final String namesrvAddr;
    /** 0 when this instance runs no broker (role namesrv). */
    private final int brokerPort;
    private boolean closed;

    private EmbeddedBroker(URLClassLoader loader, AutoCloseable server, String namesrvAddr, int brokerPort) {
        this.loader = loader;
        this.server = server;
        this.namesrvAddr = namesrvAddr;
        this.brokerPort = brokerPort;
    }

    /** Starts with the jars of {@code -Drocketmq.server.lib}. */
    public static EmbeddedBroker start(Path home, int namesrvPort, int brokerPort) {
        String lib = System.getProperty(SERVER_LIB_PROPERTY);
        if (lib == null || lib.isBlank()) {
            throw new IllegalStateException("System property " + SERVER_LIB_PROPERTY
                    + " is not set: point it at launcher/rocketmq-embedded/target/server-lib (run mvn package first)");
        }
        return start(Paths.get(lib), home, namesrvPort, brokerPort);
    }

    /**
     * Starts a name server and a broker with the default names, fast transaction check-backs (every 2 s)
     * and an hour of them before an open half message is given up.
     */
    public static EmbeddedBroker start(Path libDir, Path home, int namesrvPort, int brokerPort) {
        Properties props = new Properties();
        props.setProperty("home", home.toAbsolutePath().toString());
        props.setProperty("namesrvPort", Integer.toString(namesrvPort));
        props.setProperty("brokerPort", Integer.toString(brokerPort));
        return start(libDir, props);
    }

    /** A name server alone, for brokers in other processes (role namesrv). */
    public static EmbeddedBroker startNameServer(Path libDir, Path home, int namesrvPort) {
        Properties props = new Properties();
        props.setProperty("role", "namesrv");
        props.setProperty("home", home.toAbsolutePath().toString());
        props.setProperty("namesrvPort", Integer.toString(namesrvPort));
        return start(libDir, props);
    }

    /**
     * A master broker alone (role broker) named {@code brokerName}, registering with the name server(s)
     * {@code namesrvAddr} ({@code host:port[;host:port]}); otherwise as {@link #start(Path, Path, int, int)}.
     */
    public static EmbeddedBroker startBroker(Path libDir, Path home, String brokerName, int brokerPort,
                                             String namesrvAddr) {
        Properties props = new Properties();
        props.setProperty("role", "broker");
        props.setProperty("home", home.toAbsolutePath().toString());
        props.setProperty("brokerName", brokerName);
        props.setProperty("brokerPort", Integer.toString(brokerPort));
        props.setProperty("namesrvAddr", namesrvAddr);
        return start(libDir, props);
    }

    /**
     * Starts with the given properties (see {@code EmbeddedRocketMq}: role, home, namesrvPort, namesrvAddr,
     * brokerPort, brokerName, clusterName, transactionTimeOut, transactionCheckInterval, transactionCheckMax)
     * and returns once the broker is registered with the name server (role namesrv: once it listens).
     */
    public static EmbeddedBroker start(Path libDir, Properties props) {
        URLClassLoader loader =
                new URLClassLoader("rocketmq-server", jarUrls(libDir), ClassLoader.getPlatformClassLoader());
        long startNanos = System.nanoTime();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Constructor<?> constructor = loader.loadClass(SERVER_CLASS).getConstructor(Properties.class);
            AutoCloseable server = (AutoCloseable) constructor.newInstance(props);
            String role = props.getProperty("role", "all").trim();
            String namesrvAddr = role.equals("broker") ? props.getProperty("namesrvAddr").trim()
                    : "127.0.0.1:" + props.getProperty("namesrvPort", "9876").trim();
            int brokerPort = role.equals("namesrv") ? 0 : Integer.parseInt(props.getProperty("brokerPort", "10911").trim());
            EmbeddedBroker broker = new EmbeddedBroker(loader, server, namesrvAddr, brokerPort);
            log.info("Embedded RocketMQ ({}) started in {} ms: name server {}, broker {}, home {}", role,
                    (System.nanoTime() - startNanos) / 1_000_000, broker.namesrvAddr(),
                    brokerPort == 0 ? "none" : broker.brokerAddr(), props.getProperty("home"));
            return broker;
        } catch (InvocationTargetException e) {
            closeQuietly(loader, e.getCause());
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("Embedded RocketMQ failed to start: " + cause, cause);
        } catch (ReflectiveOperationException | ClassCastException e) {
            closeQuietly(loader, e);
            throw new IllegalStateException("Cannot instantiate " + SERVER_CLASS + " from " + libDir
                    + " (stale or incomplete server-lib? run mvn package first)", e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** {@code 127.0.0.1:<namesrvPort>}, or the name server(s) a broker alone registered with; for clients. */
    public String namesrvAddr() {
        return namesrvAddr;
    }

    /** {@code 127.0.0.1:<brokerPort>}; IllegalStateException for a name server alone. */
    public String brokerAddr() {
        if (brokerPort == 0) {
            throw new IllegalStateException("a name server alone runs no broker");
        }
        return "127.0.0.1:" + brokerPort;
    }

    /** Shuts the broker down, then the name server, then closes the class loader. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long startNanos = System.nanoTime();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            server.close();
        } catch (Exception e) {
            throw new IllegalStateException("Embedded RocketMQ did not shut down cleanly", e);
        } finally {
            thread.setContextClassLoader(previous);
            try {
                loader.close();
            } catch (IOException e) {
                log.warn("Closing the RocketMQ server class loader failed", e);
            }
            log.info("Embedded RocketMQ stopped in {} ms", (System.nanoTime() - startNanos) / 1_000_000);
        }
    }

    private static URL[] jarUrls(Path libDir) {
        if (libDir == null || !Files.isDirectory(libDir)) {
            throw new IllegalStateException("RocketMQ server lib directory " + libDir + " does not exist:"
                    + " run mvn package first (it builds launcher/rocketmq-embedded/target/server-lib)");
        }
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> files = Files.list(libDir)) {
            for (Path jar : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".jar")).sorted()::iterator) {
                urls.add(jar.toUri().toURL());
            }
        } catch (MalformedURLException e) {
            throw new IllegalStateException("Bad jar path in " + libDir, e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + libDir, e);
        }
        if (urls.isEmpty()) {
            throw new IllegalStateException("RocketMQ server lib directory " + libDir
                    + " holds no jars: run mvn package first (it builds launcher/rocketmq-embedded/target/server-lib)");
        }
        return urls.toArray(URL[]::new);
    }

    private static void closeQuietly(URLClassLoader loader, Throwable failure) {
        try {
            loader.close();
        } catch (IOException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }
}
