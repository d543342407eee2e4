package io.flashcoupon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ServiceConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerOptionsTest {
    private static final ServiceConfig.Rocketmq DEFAULTS =
            new ServiceConfig.Rocketmq(true, ".data/rocketmq", 9876, 10911, List.of(), 3000);

    private static BrokerOptions parse(String... args) {
        return BrokerOptions.parse(args, file -> DEFAULTS);
    }

    @Test
    void without_arguments_it_runs_name_server_and_broker_from_the_configuration() {
        BrokerOptions o = parse();
        assertThat(o.role()).isEqualTo("all");
        assertThat(o.home()).isEqualTo(Path.of(".data/rocketmq"));
        assertThat(o.namesrvPort()).isEqualTo(9876);
        assertThat(o.brokerPort()).isEqualTo(10911);
        assertThat(o.brokerName()).isEqualTo("broker-a");
        assertThat(o.namesrvAddr()).isNull();
    }

    @Test
    void a_broker_alone_takes_its_name_port_home_and_name_server() {
        BrokerOptions o = parse("--role", "broker", "--home", "/tmp/b", "--broker-name", "broker-b", "--broker-port",
                "10931", "--namesrv-addr", "127.0.0.1:9886");
        assertThat(o).isEqualTo(new BrokerOptions("broker", Path.of("/tmp/b"), 9876, 10931, "broker-b",
                "127.0.0.1:9886"));
        assertThat(parse("--role", "broker", "--broker-name", "b", "--broker-port", "10921", "--namesrv-addr",
                "ns1:9876;ns2:9876").namesrvAddr()).isEqualTo("ns1:9876;ns2:9876");
    }

    @Test
    void a_name_server_alone_takes_its_port() {
        BrokerOptions o = parse("--role", "namesrv", "--namesrv-port", "9886", "--home", "/tmp/ns");
        assertThat(o.role()).isEqualTo("namesrv");
        assertThat(o.namesrvPort()).isEqualTo(9886);
    }

    @Test
    void wrong_arguments_are_refused_naming_the_argument() {
        assertThatThrownBy(() -> parse("--role", "slave")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--role must be all, namesrv or broker, was slave");
        assertThatThrownBy(() -> parse("--role", "broker")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--role broker needs --broker-name");
        assertThatThrownBy(() -> parse("--role", "broker", "--broker-name", "b")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--role broker needs --broker-port");
        assertThatThrownBy(() -> parse("--role", "broker", "--broker-name", "b", "--broker-port", "10921"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--role broker needs --namesrv-addr");
        assertThatThrownBy(() -> parse("--role", "broker", "--broker-name", "b", "--broker-port", "10921",
                "--namesrv-addr", "ns1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("needs --namesrv-addr host:port[;host:port], was ns1");
        assertThatThrownBy(() -> parse("--namesrv-addr", "ns1:9876")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--namesrv-addr is for --role broker");
        assertThatThrownBy(() -> parse("--broker-name", "a b")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--broker-name");
        assertThatThrownBy(() -> parse("--broker-port", "70000")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--broker-port must be a port (1-65535), was 70000");
        assertThatThrownBy(() -> parse("--home")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--home needs a value");
        assertThatThrownBy(() -> parse("--verbose")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown argument --verbose");
    }
}
