package io.flashcoupon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import io.lettuce.core.RedisConnectionException;
import java.net.BindException;
import java.net.ConnectException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartFailureTest {
    private final ServiceConfig config = new ConfigLoader().load(null, Map.of("COUPON_REDIS_PORT", "6390",
            "COUPON_MYSQL_DATABASE", "shop"));

    @Test
    void an_unreachable_redis_is_named_with_its_address_keys_and_root_cause() {
        Exception e = new RedisConnectionException("Unable to connect to 127.0.0.1/<unresolved>:6390",
                new ConnectException("Connection refused: /127.0.0.1:6390"));
        assertThat(StartFailure.describe(e, config)).isEqualTo("start refused: Redis at 127.0.0.1:6390 (redis.host,"
                + " redis.port) is not usable: ConnectException: Connection refused: /127.0.0.1:6390");
    }

    @Test
    void a_mysql_that_refuses_the_login_is_named_with_its_keys() {
        Exception e = new RuntimeException("Failed to initialize pool: Access denied for user 'coupon'",
                new SQLNonTransientConnectionException("Access denied for user 'coupon'@'localhost'"));
        assertThat(StartFailure.describe(e, config)).startsWith("start refused: MySQL at 127.0.0.1:3306/shop (mysql.host,")
                .endsWith("is not usable: SQLNonTransientConnectionException: Access denied for user 'coupon'@'localhost'")
                .doesNotContain("\n");
    }

    @Test
    void a_port_taken_names_the_port_keys() {
        Exception e = new java.io.IOException("Failed to bind to address 127.0.0.1:9090",
                new BindException("Address already in use"));
        assertThat(StartFailure.describe(e, config)).startsWith("start refused: a port is taken (server.grpc-port 9090,")
                .endsWith("BindException: Address already in use");
    }

    @Test
    void a_broker_that_never_shows_up_names_the_name_server() {
        Exception e = new IllegalStateException("No master broker registered with name server 10.0.0.5:9876 before"
                + " the deadline");
        assertThat(StartFailure.describe(e, config)).startsWith("start refused: the broker behind name server")
                .contains("No master broker registered");
    }

    @Test
    void anything_else_is_one_line_with_the_innermost_message() {
        Exception e = new RuntimeException("outer", new IllegalArgumentException("first line\nsecond line"));
        assertThat(StartFailure.describe(e, config)).isEqualTo("start failed: IllegalArgumentException: first line");
    }
}
