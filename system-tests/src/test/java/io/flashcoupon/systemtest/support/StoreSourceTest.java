package io.flashcoupon.systemtest.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.systemtest.support.StoreSource.Endpoints;
import io.flashcoupon.systemtest.support.StoreSource.Kind;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class StoreSourceTest {
    private static final Map<String, String> ADDRESSES = Map.of("REDIS_URI", "redis://127.0.0.1:6380",
            "MYSQL_URL", "jdbc:mysql://db.local:3307/coupon_it");
    private static final BooleanSupplier DOCKER = () -> true;
    private static final BooleanSupplier NO_DOCKER = () -> false;

    @Test
    void addresses_in_the_environment_win_without_asking_docker() {
        AtomicInteger asked = new AtomicInteger();
        BooleanSupplier docker = () -> asked.incrementAndGet() > 0;

        assertThat(StoreSource.choose(ADDRESSES, docker)).isEqualTo(Kind.ENVIRONMENT);
        assertThat(StoreSource.choose(with(ADDRESSES, "CI", "true"), NO_DOCKER)).isEqualTo(Kind.ENVIRONMENT);
        assertThat(asked).as("the Docker probe is slow and pointless when addresses are set").hasValue(0);
    }

    @Test
    void without_addresses_docker_starts_containers_on_ci_and_off_it() {
        assertThat(StoreSource.choose(Map.of(), DOCKER)).isEqualTo(Kind.CONTAINERS);
        assertThat(StoreSource.choose(Map.of("CI", "true"), DOCKER)).isEqualTo(Kind.CONTAINERS);
    }

    @Test
    void ci_without_addresses_or_docker_fails_with_one_message_naming_both_ways_out() {
        assertThatThrownBy(() -> StoreSource.choose(Map.of("CI", "true"), NO_DOCKER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CI=true").hasMessageContaining("REDIS_URI and MYSQL_URL")
                .hasMessageContaining("Docker").hasMessageContaining("scripts/test");
        assertThatThrownBy(() -> StoreSource.choose(Map.of("CI", "TRUE "), NO_DOCKER))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void off_ci_without_addresses_or_docker_the_local_services_are_used_as_before() {
        assertThat(StoreSource.choose(Map.of(), NO_DOCKER)).isEqualTo(Kind.LOCAL_DEFAULTS);
        assertThat(StoreSource.choose(Map.of("CI", "false", "REDIS_URI", " "), NO_DOCKER))
                .as("blank is unset").isEqualTo(Kind.LOCAL_DEFAULTS);
        assertThat(StoreSource.localDefaults(Map.of("MYSQL_PORT", "3310")))
                .isEqualTo(new Endpoints("127.0.0.1", 3310, "coupon", "coupon", "127.0.0.1", 6379));
    }

    @Test
    void one_address_without_the_other_is_refused_whatever_docker_says() {
        assertThatThrownBy(() -> StoreSource.choose(Map.of("REDIS_URI", "redis://127.0.0.1:6379"), DOCKER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("REDIS_URI is set but MYSQL_URL is not: the integration tests take both stores from"
                        + " the environment, or neither");
        assertThatThrownBy(() -> StoreSource.choose(Map.of("MYSQL_URL", "jdbc:mysql://h/db"), NO_DOCKER))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("MYSQL_URL is set but REDIS_URI");
    }

    @Test
    void environment_addresses_give_hosts_ports_and_credentials() {
        Endpoints e = StoreSource.fromEnvironment(with(with(ADDRESSES, "MYSQL_USER", "it"), "MYSQL_PASSWORD", "pw"));

        assertThat(e).isEqualTo(new Endpoints("db.local", 3307, "it", "pw", "127.0.0.1", 6380));
        assertThat(StoreSource.fromEnvironment(Map.of("REDIS_URI", "redis://cache/1", "MYSQL_URL",
                "jdbc:mysql://db/coupon_it?useSSL=false")))
                .as("default ports and credentials")
                .isEqualTo(new Endpoints("db", 3306, "coupon", "coupon", "cache", 6379));
    }

    @Test
    void a_malformed_address_is_refused_by_name() {
        assertThatThrownBy(() -> StoreSource.fromEnvironment(Map.of("REDIS_URI", "127.0.0.1:6379",
                "MYSQL_URL", "jdbc:mysql://db/x")))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("REDIS_URI must be redis://");
        assertThatThrownBy(() -> StoreSource.fromEnvironment(Map.of("REDIS_URI", "redis://r",
                "MYSQL_URL", "jdbc:postgresql://db/x")))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("MYSQL_URL must be jdbc:mysql://");
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        java.util.HashMap<String, String> copy = new java.util.HashMap<>(env);
        copy.put(name, value);
        return copy;
    }
}
