package io.flashcoupon.rocketmq.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.rocketmq.auth.config.AuthConfig;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.BrokerPathConfigHelper;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.ServiceThread;
import org.apache.rocketmq.common.logging.JoranConfiguratorExt;
import org.apache.rocketmq.common.namesrv.NamesrvConfig;
import org.apache.rocketmq.logging.ch.qos.logback.classic.LoggerContext;
import org.apache.rocketmq.logging.ch.qos.logback.core.joran.spi.JoranException;
import org.apache.rocketmq.logging.org.slf4j.ILoggerFactory;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;
import org.apache.rocketmq.namesrv.NamesrvController;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.store.IdleBackoffReputMessageService;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.config.BrokerRole;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.apache.rocketmq.store.ha.DefaultHAService;

/**
 * A RocketMQ 5.5.0 name server and one master broker running inside the calling JVM, for
 * single-machine deployments and integration tests; or only one of them, for a cluster of processes.
 *
 * <p>Meant to be loaded through an isolated class loader (see the launcher's {@code EmbeddedBroker}),
 * so only JDK types cross its API: a {@link Properties} in, {@link AutoCloseable} out. Properties:
 * {@code home} (required; store in {@code <home>/store}, logs in {@code <home>/logs/rocketmqlogs}),
 * {@code namesrvPort} (9876), {@code brokerPort} (10911; the broker also binds brokerPort-2 for its
 * "VIP" channel and brokerPort+1 for HA), {@code brokerName} (broker-a), {@code clusterName}
 * (DefaultCluster), {@code transactionTimeOut} and {@code transactionCheckInterval} in ms (3000, 2000),
 * {@code transactionCheckMax} (1800: an open half message is checked back for an hour before the broker
 * discards it; RocketMQ's 15 would give up after ~30 s, even when no producer was there to answer, and a
 * discarded CouponGrabbed is a granted coupon that never becomes a row), {@code opBatchIdleSpinFix}
 * (true: the broker's op-batch thread is replaced by {@link NonSpinningOpBatchService}, so an idle broker
 * does not spin on a core; false keeps RocketMQ 5.5.0's own), {@code reputIdleBackoff} (true: the store's
 * dispatch thread is replaced by {@link IdleBackoffReputMessageService}, which stops looking for new
 * entries every millisecond after a quiet second and is woken by the next put; false keeps 5.5.0's own),
 * {@code role} ({@code all}: name server and broker; {@code namesrv}: the name server only, broker
 * properties ignored; {@code broker}: the broker only, registering with the name server(s) of
 * {@code namesrvAddr}, {@code host:port[;host:port]}, required then; namesrvPort ignored).
 *
 * <p>The broker registers as 127.0.0.1 and listens on 127.0.0.1 only; topics and subscription groups
 * are never auto-created, so every topic (with its message type) and group must be provisioned.
 * Store files are sized for development (16 MB commit log files), disk-usage thresholds are raised to
 * the broker's caps so a nearly full dev disk does not refuse writes. Pop consumption is not served:
 * no pop buffer-merge or revive threads, no pop long polling (a pop is answered at once, and popped
 * messages are never revived), since no client here pops and those threads wake every 5-20 ms; nor
 * is the HA group transfer, which only a SYNC_MASTER uses (this broker is an asynchronous master).
 *
 * <p>Known gaps: no shutdown hook is registered (the owner must {@link #close()}); logging is the
 * broker's own logback configuration with {@code ${user.home}} replaced by {@code home}, and the logging
 * context of the class loader is stopped on close; the JVM-wide {@code user.home} points at {@code home}
 * while the broker starts (RocksDB's log directory cannot be set otherwise); one instance per class
 * loader (RocketMQ keeps static state, e.g. the broker config path); a graceful stop takes 15-20 s,
 * mostly fixed waits inside RocketMQ's shutdown.
 */
public final class EmbeddedRocketMq implements AutoCloseable {

    private static final String LOCALHOST = "127.0.0.1";
    private static final String HOME_PROPERTY = "rocketmq.embedded.home";
    private static final long REGISTRATION_TIMEOUT_SECONDS = 30;

    private final Settings settings;
    private final AtomicBoolean closed = new AtomicBoolean();
    private NamesrvController namesrv;
    private BrokerController broker;

    /**
     * Starts the name server, then the broker, as the role asks; returns once the name server lists the
     * broker (role namesrv: once it listens).
     */
    public EmbeddedRocketMq(Properties props) {
        this.settings = Settings.from(props);
        try {
            createDirectories();
            ensureStoreNotInUse();
            configureLogging();
            // RocketMQ's *Startup mains set this; requests without it carry version 0 and take legacy paths.
            if (System.getProperty(RemotingCommand.REMOTING_VERSION_KEY) == null) {
                System.setProperty(RemotingCommand.REMOTING_VERSION_KEY, Integer.toString(MQVersion.CURRENT_VERSION));
            }
            if (settings.role.runsNamesrv()) {
                startNamesrv();
            }
            if (settings.role.runsBroker()) {
                startBroker();
                awaitRegistration();
            }
        } catch (IllegalArgumentException | Error e) {
            stopQuietly(e);
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            stopQuietly(e);
            throw new IllegalStateException("Embedded RocketMQ failed to start (" + settings.role.key + ", home "
                    + settings.home + ", name server " + namesrvAddr() + ", broker ports " + (settings.brokerPort - 2)
                    + "/" + settings.brokerPort + "/" + (settings.brokerPort + 1) + "): "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }

    /** {@code 127.0.0.1:<namesrvPort>}, or the name server(s) a broker-only instance registers with. */
    public String namesrvAddr() {
        return settings.role.runsNamesrv() ? LOCALHOST + ":" + settings.namesrvPort : settings.namesrvAddr;
    }

    /** Shuts the broker down, then the name server, then the logging of this class loader. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RuntimeException failure = null;
        if (broker != null) {
            try {
                stopRocksDbFlushScheduler();
                broker.shutdown();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (namesrv != null) {
            try {
                namesrv.shutdown();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        stopLogging();
        if (failure != null) {
            throw failure;
        }
    }

    private void createDirectories() throws IOException {
        for (Path dir : new Path[] {settings.home, settings.logs(),
                settings.role.runsBroker() ? settings.store() : settings.namesrvDir()}) {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new IllegalArgumentException("Embedded RocketMQ: directory is not writable: " + dir);
            }
        }
    }

    /**
     * Fails before anything starts when another broker holds the store's lock file: a broker that fails
     * on that lock later would, while cleaning up, touch the running broker's store (abort file).
     */
    private void ensureStoreNotInUse() throws IOException {
        if (!settings.role.runsBroker()) {
            return;
        }
        Path lock = settings.store().resolve("lock");
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = null;
            try {
                held = channel.tryLock(0, 1, false);
            } catch (OverlappingFileLockException e) {
                // held by this JVM
            }
            if (held == null) {
                throw new IllegalStateException("Embedded RocketMQ: store " + settings.store()
                        + " is in use by another running broker");
            }
            held.release();
        }
    }

    /**
     * Points the broker's logback configuration at {@code <home>/logs}. Its file appenders are all
     * sifting (opened on the first event), so the automatic configuration that precedes this reset
     * creates no file under the real user.home. No system property is changed.
     */
    private void configureLogging() throws IOException, JoranException {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return; // not RocketMQ's shaded logback: leave the class loader's logging as it is
        }
        String xml;
        try (InputStream in = BrokerController.class.getClassLoader().getResourceAsStream("rmq.broker.logback.xml")) {
            if (in == null) {
                throw new IllegalStateException("rmq.broker.logback.xml not found next to the broker classes");
            }
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        xml = xml.replace("${user.home}", "${" + HOME_PROPERTY + "}")
                .replace("scan=\"true\"", "scan=\"false\"");
        Path file = settings.logs().resolve("rmq.embedded.logback.xml");
        Files.writeString(file, xml, StandardCharsets.UTF_8);

        context.reset();
        context.putProperty(HOME_PROPERTY, settings.home.toString());
        JoranConfiguratorExt configurator = new JoranConfiguratorExt();
        configurator.setContext(context);
        configurator.doConfigure0(file.toUri().toURL());
    }

    private void startNamesrv() throws Exception {
        NamesrvConfig config = new NamesrvConfig();
        config.setRocketmqHome(settings.home.toString());
        config.setKvConfigPath(settings.namesrvDir().resolve("kvConfig.json").toString());
        config.setConfigStorePath(settings.namesrvDir().resolve("namesrv.properties").toString());
        NettyServerConfig server = new NettyServerConfig();
        server.setBindAddress(LOCALHOST);
        server.setListenPort(settings.namesrvPort);

        namesrv = new NamesrvController(config, server, new NettyClientConfig());
        if (!namesrv.initialize()) {
            throw new IllegalStateException("Embedded RocketMQ: name server failed to initialize (port "
                    + settings.namesrvPort + ")");
        }
        namesrv.start();
    }

    private void startBroker() throws Exception {
        String store = settings.store().toString();

        BrokerConfig config = new BrokerConfig();
        config.setRocketmqHome(settings.home.toString());
        config.setBrokerClusterName(settings.clusterName);
        config.setBrokerName(settings.brokerName);
        config.setBrokerId(MixAll.MASTER_ID);
        config.setBrokerIP1(LOCALHOST);
        config.setBrokerIP2(LOCALHOST);
        config.setNamesrvAddr(namesrvAddr());
        config.setAutoCreateTopicEnable(false);
        config.setAutoCreateSubscriptionGroup(false);
        config.setTransactionTimeOut(settings.transactionTimeOut);
        config.setTransactionCheckInterval(settings.transactionCheckInterval);
        config.setTransactionCheckMax(settings.transactionCheckMax);
        // Transaction metrics are a broker-side report nobody reads here; their flush thread cost
        // ~1 % of the service's CPU samples in scripts/bench (docs/performance.md).
        config.setEnableTransactionMetrics(false);
        // No client pops (the remoting clients pull; no proxy runs here): the pop buffer-merge thread
        // (a scan every 5 ms, ~0.5 % of a core idle) and the pop revive threads are not started; a pop
        // would be answered but its messages never revived. See also stopPopLongPolling.
        config.setPopConsumerFSServiceInit(false);

        NettyServerConfig server = new NettyServerConfig();
        server.setBindAddress(LOCALHOST);
        server.setListenPort(settings.brokerPort);

        MessageStoreConfig storeConfig = new MessageStoreConfig();
        storeConfig.setStorePathRootDir(store);
        storeConfig.setHaListenPort(settings.brokerPort + 1);
        storeConfig.setMappedFileSizeCommitLog(16 * 1024 * 1024);
        storeConfig.setMappedFileSizeConsumeQueue(200_000);
        storeConfig.setMappedFileSizeTimerLog(4 * 1024 * 1024);
        storeConfig.setMaxHashSlotNum(10_000);
        storeConfig.setMaxIndexNum(40_000);
        // No delayed/timer messages are used: the timer wheel's flush thread alone took ~10 % of the
        // service's CPU samples in scripts/bench (docs/performance.md).
        storeConfig.setTimerWheelEnable(false);
        // One pull may return up to 1,000 messages (default 32), so the materializer's JDBC batches
        // are not capped at 32 rows (each batch is one fsync'd MySQL transaction).
        storeConfig.setMaxTransferCountOnMessageInMemory(1_000);
        storeConfig.setMaxTransferBytesOnMessageInMemory(1024 * 1024);
        storeConfig.setMaxTransferCountOnMessageInDisk(1_000);
        storeConfig.setMaxTransferBytesOnMessageInDisk(1024 * 1024);
        // The broker caps these (warning 90 %, forced clean 85 %, max used 95 %): ask for the caps.
        storeConfig.setDiskSpaceWarningLevelRatio(98);
        storeConfig.setDiskSpaceCleanForciblyRatio(97);
        storeConfig.setDiskMaxUsedSpaceRatio(95);

        AuthConfig auth = new AuthConfig();
        auth.setConfigName(settings.brokerName);
        auth.setClusterName(settings.clusterName);
        auth.setAuthConfigPath(settings.store().resolve("config").toString());

        // Where an admin "updateBrokerConfig" would persist; the default is ~/store/config.
        BrokerPathConfigHelper.setBrokerConfigPath(
                settings.store().resolve("config").resolve("broker.properties").toString());

        // RocksDB (always opened by the 5.5.0 message store) puts its LOG under ${user.home}/logs/rocketmqlogs
        // with no setting to change it: user.home is redirected while the broker comes up, then restored.
        String userHome = System.getProperty("user.home");
        System.setProperty("user.home", settings.home.toString());
        try {
            broker = new BrokerController(config, server, new NettyClientConfig(), storeConfig, auth);
            if (!broker.initialize()) {
                throw new IllegalStateException("Embedded RocketMQ: broker failed to initialize (store " + store
                        + " locked by another broker, or corrupt?); see " + settings.logs().resolve("rocketmqlogs"));
            }
            if (settings.opBatchIdleSpinFix) {
                NonSpinningOpBatchService.install(broker);
            }
            if (settings.reputIdleBackoff) {
                IdleBackoffReputMessageService.install(broker.getMessageStore());
            }
            broker.start();
            stopPopLongPolling();
            stopGroupTransfer();
        } finally {
            if (userHome == null) {
                System.clearProperty("user.home");
            } else {
                System.setProperty("user.home", userHome);
            }
        }
    }

    /**
     * No client pops from this broker (the service's remoting clients pull; no proxy runs here), yet
     * 5.5.0 starts three long-polling threads for pop, notification and lite pop requests that wake every
     * 20 ms (~0.5 % of a core idle, docs/decisions.md). Stopped, each answers a pop at once instead of
     * holding it ({@code polling} returns NOT_POLLING), so a pop still works, as short polling.
     */
    private void stopPopLongPolling() {
        if (broker.getPopMessageProcessor() != null && broker.getPopMessageProcessor().getPopLongPollingService() != null) {
            broker.getPopMessageProcessor().getPopLongPollingService().shutdown();
        }
        if (broker.getNotificationProcessor() != null
                && broker.getNotificationProcessor().getPopLongPollingService() != null) {
            broker.getNotificationProcessor().getPopLongPollingService().shutdown();
        }
        if (broker.getPopLiteMessageProcessor() != null
                && broker.getPopLiteMessageProcessor().getPopLiteLongPollingService() != null) {
            broker.getPopLiteMessageProcessor().getPopLiteLongPollingService().shutdown();
        }
    }

    /**
     * This broker is an asynchronous master with no slave: the commit log hands a put to the HA group
     * transfer (to wait for a slave's ack) only on a SYNC_MASTER, yet 5.5.0 starts that thread anyway and
     * it wakes every 10 ms (~0.4 % of a core idle, docs/decisions.md). Stopped after start; on a
     * SYNC_MASTER it is left running. The HA listener itself (accepting a slave) is untouched.
     */
    private void stopGroupTransfer() {
        if (broker.getMessageStoreConfig().getBrokerRole() == BrokerRole.SYNC_MASTER) {
            return;
        }
        if (!(broker.getMessageStore().getHaService() instanceof DefaultHAService ha)) {
            return; // controller mode or no HA service: not the 5.5.0 layout this stops
        }
        try {
            Field field = DefaultHAService.class.getDeclaredField("groupTransferService");
            field.setAccessible(true);
            if (field.get(ha) instanceof ServiceThread transfer) {
                transfer.shutdown(); // wakes it; it leaves its loop at once and is joined
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Embedded RocketMQ: no groupTransferService in RocketMQ's"
                    + " DefaultHAService (written against 5.5.0)", e);
        }
    }

    /**
     * The broker registers with the name server from {@code start()}, but only with name servers its
     * client has already found reachable, which it checks asynchronously: the start-up registration is
     * usually skipped and the next comes 10 s later. Registers again until the name server lists it.
     */
    private void awaitRegistration() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REGISTRATION_TIMEOUT_SECONDS);
        while (!registered()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Embedded RocketMQ: broker " + broker.getBrokerAddr()
                        + " did not register with the name server " + namesrvAddr() + " within "
                        + REGISTRATION_TIMEOUT_SECONDS + " s");
            }
            broker.registerBrokerAll(true, false, true); // a no-op until the name server is seen reachable
            if (!registered()) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
    }

    private boolean registered() throws InterruptedException {
        Map<String, BrokerData> brokers;
        if (namesrv != null) {
            brokers = namesrv.getRouteInfoManager().getAllClusterInfo().getBrokerAddrTable();
        } else {
            try { // the name server of another process: asked as any client asks it
                ClusterInfo info = broker.getBrokerOuterAPI().getBrokerClusterInfo();
                brokers = info == null ? null : info.getBrokerAddrTable();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                return false; // not reachable yet
            }
        }
        BrokerData data = brokers == null ? null : brokers.get(settings.brokerName);
        return data != null && broker.getBrokerAddr().equals(data.getBrokerAddrs().get(MixAll.MASTER_ID));
    }

    /**
     * RocketMQ 5.5.0 never stops the scheduler of its RocksDB message storage, a non-daemon thread
     * that would keep the JVM alive and pin this class loader. Stopped by reflection, before the store
     * closes the database it flushes.
     */
    private void stopRocksDbFlushScheduler() {
        try {
            MessageStore store = broker.getMessageStore();
            Object storage = store == null ? null : store.getMessageRocksDBStorage();
            if (storage == null) {
                return;
            }
            Field field = storage.getClass().getDeclaredField("scheduler");
            field.setAccessible(true);
            if (field.get(storage) instanceof ExecutorService scheduler) {
                scheduler.shutdownNow();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A later RocketMQ may have fixed or renamed it: nothing to stop then.
        }
    }

    private void stopQuietly(Throwable cause) {
        try {
            close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static void stopLogging() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            context.stop();
        }
    }

    /** What one instance runs. */
    private enum Role {
        ALL("all"), NAMESRV("namesrv"), BROKER("broker");

        final String key;

        Role(String key) {
            this.key = key;
        }

        boolean runsNamesrv() {
            return this != BROKER;
        }

        boolean runsBroker() {
            return this != NAMESRV;
        }

        static Role of(String raw) {
            for (Role role : values()) {
                if (role.key.equals(raw.trim())) {
                    return role;
                }
            }
            throw new IllegalArgumentException("Embedded RocketMQ: property 'role' must be all, namesrv or broker,"
                    + " was " + raw);
        }
    }

    /** The validated properties. */
    private record Settings(Role role, Path home, int namesrvPort, String namesrvAddr, int brokerPort,
                            String brokerName, String clusterName,
                            long transactionTimeOut, long transactionCheckInterval, int transactionCheckMax,
                            boolean opBatchIdleSpinFix, boolean reputIdleBackoff) {

        static Settings from(Properties props) {
            if (props == null) {
                throw new IllegalArgumentException("Embedded RocketMQ: properties are required");
            }
            String home = props.getProperty("home");
            if (home == null || home.isBlank()) {
                throw new IllegalArgumentException(
                        "Embedded RocketMQ: property 'home' (a writable directory) is required");
            }
            Role role = Role.of(props.getProperty("role", Role.ALL.key));
            int namesrvPort = intIn(props, "namesrvPort", 9876, 1, 65535);
            int brokerPort = intIn(props, "brokerPort", 10911, 3, 65534);
            String namesrvAddr = props.getProperty("namesrvAddr", "").trim();
            if (role == Role.BROKER && !namesrvAddr.matches("[^:;\\s]+:\\d{1,5}(;[^:;\\s]+:\\d{1,5})*")) {
                throw new IllegalArgumentException("Embedded RocketMQ: role broker needs property 'namesrvAddr'"
                        + " (host:port[;host:port]), was '" + namesrvAddr + "'");
            }
            if (role == Role.ALL && namesrvPort >= brokerPort - 2 && namesrvPort <= brokerPort + 1) {
                throw new IllegalArgumentException("Embedded RocketMQ: namesrvPort " + namesrvPort
                        + " collides with the broker's ports " + (brokerPort - 2) + ", " + brokerPort
                        + " and " + (brokerPort + 1));
            }
            return new Settings(role, Paths.get(home).toAbsolutePath().normalize(), namesrvPort, namesrvAddr,
                    brokerPort,
                    nonBlank(props, "brokerName", "broker-a"), nonBlank(props, "clusterName", "DefaultCluster"),
                    intIn(props, "transactionTimeOut", 3000, 1, Integer.MAX_VALUE),
                    intIn(props, "transactionCheckInterval", 2000, 1, Integer.MAX_VALUE),
                    intIn(props, "transactionCheckMax", 1800, 1, Integer.MAX_VALUE),
                    bool(props, "opBatchIdleSpinFix", true), bool(props, "reputIdleBackoff", true));
        }

        Path store() {
            return home.resolve("store");
        }

        Path logs() {
            return home.resolve("logs");
        }

        Path namesrvDir() {
            return home.resolve("namesrv");
        }

        private static String nonBlank(Properties props, String key, String defaultValue) {
            String value = props.getProperty(key, defaultValue).trim();
            if (value.isEmpty()) {
                throw new IllegalArgumentException("Embedded RocketMQ: property '" + key + "' must not be blank");
            }
            return value;
        }

        private static boolean bool(Properties props, String key, boolean defaultValue) {
            String raw = props.getProperty(key);
            if (raw == null || raw.isBlank()) {
                return defaultValue;
            }
            return switch (raw.trim()) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(
                        "Embedded RocketMQ: property '" + key + "' is neither true nor false: " + raw);
            };
        }

        private static int intIn(Properties props, String key, int defaultValue, int min, int max) {
            String raw = props.getProperty(key);
            if (raw == null || raw.isBlank()) {
                return defaultValue;
            }
            int value;
            try {
                value = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "Embedded RocketMQ: property '" + key + "' is not an integer: " + raw);
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("Embedded RocketMQ: property '" + key + "' = " + value
                        + " is outside [" + min + ", " + max + "]");
            }
            return value;
        }
    }
}
