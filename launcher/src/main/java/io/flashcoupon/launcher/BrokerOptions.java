package io.flashcoupon.launcher;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ServiceConfig;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The arguments of {@link BrokerMain}: {@code [--role all|namesrv|broker] [--config srv.yaml] [--home dir]
 * [--namesrv-port n] [--broker-port n] [--broker-name name] [--namesrv-addr host:port[;host:port]]}.
 * Home and ports not given come from the {@code rocketmq} section of the service's configuration.
 * Role {@code all} (the default) runs a name server and a broker; {@code namesrv} a name server alone;
 * {@code broker} a master broker alone, which needs {@code --namesrv-addr}. Rejected with a
 * {@link ConfigException} naming the argument.
 */
record BrokerOptions(String role, Path home, int namesrvPort, int brokerPort, String brokerName, String namesrvAddr) {
    static final String USAGE = "usage: BrokerMain [--role all|namesrv|broker] [--config srv.yaml] [--home dir]"
            + " [--namesrv-port n] [--broker-port n] [--broker-name name] [--namesrv-addr host:port[;host:port]]";
    static final String DEFAULT_BROKER_NAME = "broker-a";
    private static final String NAMESRV_ADDR = "[^:;\\s]+:\\d{1,5}(;[^:;\\s]+:\\d{1,5})*";
    private static final String BROKER_NAME = "[A-Za-z0-9_-]{1,64}";

    /** Parses {@code args}; {@code config} loads the service's rocketmq section from --config (null = none). */
    static BrokerOptions parse(String[] args, Function<Path, ServiceConfig.Rocketmq> config) {
        Path configFile = null;
        String role = "all";
        String home = null;
        Integer namesrvPort = null;
        Integer brokerPort = null;
        String brokerName = DEFAULT_BROKER_NAME;
        String namesrvAddr = null;
        boolean explicitName = false;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--role" -> role = required(args[i], value);
                case "--config" -> configFile = Path.of(required(args[i], value));
                case "--home" -> home = required(args[i], value);
                case "--namesrv-port" -> namesrvPort = port(args[i], value);
                case "--broker-port" -> brokerPort = port(args[i], value);
                case "--broker-name" -> {
                    brokerName = required(args[i], value);
                    explicitName = true;
                }
                case "--namesrv-addr" -> namesrvAddr = required(args[i], value);
                default -> throw new ConfigException("unknown argument " + args[i]);
            }
            i++;
        }
        if (!role.equals("all") && !role.equals("namesrv") && !role.equals("broker")) {
            throw new ConfigException("--role must be all, namesrv or broker, was " + role);
        }
        if (!brokerName.matches(BROKER_NAME)) {
            throw new ConfigException("--broker-name must be 1-64 letters, digits, '-' or '_', was " + brokerName);
        }
        if (role.equals("broker")) {
            // no defaults here: two brokers started under one name would register as one master with two
            // stores, and the embedded broker's port would clash with an all-in-one service
            if (!explicitName) {
                throw new ConfigException("--role broker needs --broker-name (each broker of a cluster its own)");
            }
            if (brokerPort == null) {
                throw new ConfigException("--role broker needs --broker-port (each broker of a cluster its own)");
            }
            if (namesrvAddr == null || !namesrvAddr.matches(NAMESRV_ADDR)) {
                throw new ConfigException("--role broker needs --namesrv-addr host:port[;host:port], was "
                        + namesrvAddr);
            }
        } else if (namesrvAddr != null) {
            throw new ConfigException("--namesrv-addr is for --role broker (role " + role + " runs its own name server)");
        }
        ServiceConfig.Rocketmq mq = config.apply(configFile);
        home = home != null ? home : mq.embeddedHome();
        if (home == null || home.isBlank()) {
            throw new ConfigException("--home (or rocketmq.embedded-home) is required");
        }
        return new BrokerOptions(role, Path.of(home), namesrvPort != null ? namesrvPort : mq.namesrvPort(),
                brokerPort != null ? brokerPort : mq.brokerPort(), brokerName, namesrvAddr);
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
