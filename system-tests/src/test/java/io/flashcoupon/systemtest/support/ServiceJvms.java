package io.flashcoupon.systemtest.support;

import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.launcher.BrokerMain;
import io.flashcoupon.launcher.EmbeddedBroker;
import io.flashcoupon.launcher.Main;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The service, the standalone broker, and the name server and brokers of a cluster as child JVMs, from the jars `mvn package` built
 * (launcher/target/launcher-*.jar + launcher/target/lib/*, and the broker's server-lib); failsafe
 * passes their paths as system properties (see system-tests/pom.xml).
 */
public final class ServiceJvms {
    private ServiceJvms() {}

    /**
     * Small heap; C1 only and the serial collector, because these JVMs are restarted several times per
     * test on a shared 2-core box, where C2 compilation and parallel GC threads make every start slower.
     */
    static final List<String> JVM_ARGS = List.of("-Xms128m", "-Xmx768m", "-XX:+ExitOnOutOfMemoryError",
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /**
     * The environment that points a service JVM at database {@code database} of the test MariaDB and at
     * Redis database 0 on {@code redisPort}.
     */
    public static Map<String, String> storesEnv(String database, int redisPort) {
        Map<String, String> env = new HashMap<>();
        env.put(ConfigLoader.envName("mysql.host"), ServiceHarness.MYSQL_HOST);
        env.put(ConfigLoader.envName("mysql.port"), Integer.toString(ServiceHarness.MYSQL_PORT));
        env.put(ConfigLoader.envName("mysql.database"), database);
        env.put(ConfigLoader.envName("mysql.username"), ServiceHarness.USER);
        env.put(ConfigLoader.envName("mysql.password"), ServiceHarness.PASSWORD);
        env.put(ConfigLoader.envName("redis.host"), "127.0.0.1");
        env.put(ConfigLoader.envName("redis.port"), Integer.toString(redisPort));
        env.put(ConfigLoader.envName("redis.database"), "0");
        // No start-up warm-up: these tests restart services often and measure nothing (GrabWarmupIT covers it).
        env.put(ConfigLoader.envName("business.flashsale.warmup-grabs"), "0");
        return env;
    }

    static String classpath() {
        Path jar = existing("fault.launcher.jar", "../launcher/target/launcher-0.1.0-SNAPSHOT.jar");
        Path lib = existing("fault.launcher.lib", "../launcher/target/lib");
        return jar + java.io.File.pathSeparator + lib.resolve("*");
    }

    static Path serverLib() {
        return existing(EmbeddedBroker.SERVER_LIB_PROPERTY, "../launcher/rocketmq-embedded/target/server-lib");
    }

    private static Path existing(String property, String fallback) {
        Path p = Path.of(System.getProperty(property, fallback)).toAbsolutePath();
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " (system property " + property + ") does not exist: run"
                    + " `mvn -B -o -q -DskipTests package` at the project root first");
        }
        return p;
    }

    /** The coupon service (Main) with {@code env}; ready when GET /readyz answers 200. */
    public static final class Service {
        public final int grpcPort;
        public final int httpPort;
        private final ChildProcess process;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

        public Service(String name, Map<String, String> env, Path work, Path log, int grpcPort, int httpPort) {
            this.grpcPort = grpcPort;
            this.httpPort = httpPort;
            List<String> jvm = new java.util.ArrayList<>(JVM_ARGS);
            jvm.add("-D" + EmbeddedBroker.SERVER_LIB_PROPERTY + "=" + serverLib());
            jvm.add("-Drocketmq.log.root=" + work.resolve("client-logs").toAbsolutePath());
            this.process = new ChildProcess(name, ChildProcess.java(classpath(), jvm, Main.class.getName(), List.of()),
                    env, log);
        }

        /** Starts and waits (deadline {@code within}) until /readyz answers 200; returns the time it took. */
        public Duration start(Duration within) {
            long t0 = System.nanoTime();
            process.start();
            await(process.name() + " ready (GET /readyz = 200)").atMost(within).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        process.requireAlive();
                        return ready();
                    });
            return Duration.ofNanos(System.nanoTime() - t0);
        }

        /** Starts it and waits (deadline {@code within}) for it to exit on its own, e.g. a refused start. */
        public int runToExit(Duration within) {
            process.start();
            process.awaitExit(within);
            return process.exitCode();
        }

        public void kill() {
            process.kill();
        }

        public void stop() {
            process.stop(Duration.ofSeconds(3));
        }

        public void requireAlive() {
            process.requireAlive();
        }

        /** SIGTERM and wait (no SIGKILL) up to {@code within} for the exit; how long it took. */
        public Duration terminate(Duration within) {
            return process.terminate(within);
        }

        public int exitCode() {
            return process.exitCode();
        }

        /** This run's log lines (since the last start). */
        public List<String> logOfThisRun() {
            return process.linesOfThisRun();
        }

        public long pid() {
            return process.pid();
        }

        Path log() {
            return process.log();
        }

        private boolean ready() {
            try {
                HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).GET().build();
                HttpResponse<Void> r = http.send(probe, HttpResponse.BodyHandlers.discarding());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * {@link BrokerMain}: name server + broker on fixed ports and home; ready when it logs
     * {@link BrokerMain#READY_LINE}.
     */
    public static final class Broker {
        public final int namesrvPort;
        public final int brokerPort;
        /** The broker's name (broker-a unless given). */
        public final String brokerName;
        private final ChildProcess process;

        /** Name server and broker broker-a in one process (role all). */
        public Broker(String name, Path home, Path work, Path log, int namesrvPort, int brokerPort) {
            this(name, work, log, namesrvPort, brokerPort, "broker-a", List.of("--home",
                    home.toAbsolutePath().toString(), "--namesrv-port", Integer.toString(namesrvPort),
                    "--broker-port", Integer.toString(brokerPort)));
        }

        /** Master broker {@code brokerName} alone (role broker), registering with {@code namesrv}. */
        public Broker(String name, Path home, Path work, Path log, NameServer namesrv, String brokerName,
                      int brokerPort) {
            this(name, work, log, namesrv.port, brokerPort, brokerName, List.of("--role", "broker", "--home",
                    home.toAbsolutePath().toString(), "--broker-name", brokerName, "--broker-port",
                    Integer.toString(brokerPort), "--namesrv-addr", namesrv.addr()));
        }

        private Broker(String name, Path work, Path log, int namesrvPort, int brokerPort, String brokerName,
                       List<String> args) {
            this.namesrvPort = namesrvPort;
            this.brokerPort = brokerPort;
            this.brokerName = brokerName;
            this.process = brokerMain(name, work, log, args);
        }

        /** Starts and waits (deadline {@code within}) for this start's ready line; returns the time it took. */
        public Duration start(Duration within) {
            return startAndAwait(process, BrokerMain.READY_LINE, " registered with its name server", within);
        }

        public void kill() {
            process.kill();
        }

        public void stop() {
            process.stop(Duration.ofSeconds(3));
        }

        public long pid() {
            return process.pid();
        }

        public String namesrvAddr() {
            return "127.0.0.1:" + namesrvPort;
        }

        /** {@code 127.0.0.1:<brokerPort>}. */
        public String brokerAddr() {
            return "127.0.0.1:" + brokerPort;
        }
    }

    /** {@link BrokerMain} {@code --role namesrv}: a name server alone; ready when it logs its ready line. */
    public static final class NameServer {
        public final int port;
        private final ChildProcess process;

        public NameServer(String name, Path home, Path work, Path log, int port) {
            this.port = port;
            this.process = brokerMain(name, work, log, List.of("--role", "namesrv", "--home",
                    home.toAbsolutePath().toString(), "--namesrv-port", Integer.toString(port)));
        }

        /** Starts and waits (deadline {@code within}) for this start's ready line; returns the time it took. */
        public Duration start(Duration within) {
            return startAndAwait(process, BrokerMain.NAMESRV_READY_LINE, " listening", within);
        }

        public void stop() {
            process.stop(Duration.ofSeconds(3));
        }

        public String addr() {
            return "127.0.0.1:" + port;
        }
    }

    private static ChildProcess brokerMain(String name, Path work, Path log, List<String> args) {
        List<String> jvm = new java.util.ArrayList<>(JVM_ARGS);
        jvm.add("-D" + EmbeddedBroker.SERVER_LIB_PROPERTY + "=" + serverLib());
        jvm.add("-Drocketmq.log.root=" + work.resolve(name + "-client-logs").toAbsolutePath());
        return new ChildProcess(name, ChildProcess.java(classpath(), jvm, BrokerMain.class.getName(), args), Map.of(),
                log);
    }

    private static Duration startAndAwait(ChildProcess process, String readyLine, String what, Duration within) {
        long t0 = System.nanoTime();
        long readyBefore = process.countInLog(readyLine);
        process.start();
        await(process.name() + what).atMost(within)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    process.requireAlive();
                    return process.countInLog(readyLine) > readyBefore;
                });
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
