package io.flashcoupon.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void defaults_load_and_are_valid() {
        ServiceConfig c = loader.load(null, Map.of());
        assertThat(c.server().grpcPort()).isEqualTo(9090);
        assertThat(c.server().httpPort()).isEqualTo(8056);
        assertThat(c.rocketmq().embedded()).isTrue();
        assertThat(c.rocketmq().namesrvAddr()).isEqualTo("127.0.0.1:9876");
    }

    @Test
    void environment_overrides_any_leaf_including_lists() {
        ServiceConfig c = loader.load(null, Map.of(
                "COUPON_SERVER_GRPC_PORT", "19090",
                "COUPON_MYSQL_DATABASE", "coupon_it",
                "COUPON_ROCKETMQ_EMBEDDED", "false",
                "COUPON_ROCKETMQ_NAMESERVERS", "mq1:9876, mq2:9876",
                "COUPON_BUSINESS_SINK_BATCH_SIZE", "64"));
        assertThat(c.server().grpcPort()).isEqualTo(19090);
        assertThat(c.mysql().database()).isEqualTo("coupon_it");
        assertThat(c.rocketmq().namesrvAddr()).isEqualTo("mq1:9876;mq2:9876");
        assertThat(c.business().sink().batchSize()).isEqualTo(64);
    }

    @Test
    void a_file_overlays_the_defaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("srv.yaml");
        Files.writeString(file, "redis:\n  port: 6380\n");
        ServiceConfig c = loader.load(file, Map.of());
        assertThat(c.redis().port()).isEqualTo(6380);
        assertThat(c.redis().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void unknown_keys_are_rejected_by_name(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("srv.yaml");
        Files.writeString(file, "redis:\n  prot: 6380\n");
        assertThatThrownBy(() -> loader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("redis.prot");
    }

    @Test
    void invalid_values_are_rejected_with_key_and_value() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_MYSQL_PORT", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mysql.port").hasMessageContaining("70000");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SERVER_NODE_ID", "2048")))
                .hasMessageContaining("server.node-id");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_PORT", "abc")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("abc");
    }

    @Test
    void external_broker_needs_name_servers_in_host_port_form() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_EMBEDDED", "false")))
                .hasMessageContaining("rocketmq.nameservers");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_EMBEDDED", "false",
                "COUPON_ROCKETMQ_NAMESERVERS", "mq1")))
                .hasMessageContaining("'mq1' must be host:port");
    }

    @Test
    void reconciliation_defaults_and_overrides() {
        ServiceConfig.Reconcile defaults = loader.load(null, Map.of()).business().reconcile();
        assertThat(defaults).isEqualTo(new ServiceConfig.Reconcile(true, 10_000, 30_000));
        ServiceConfig.Reconcile custom = loader.load(null, Map.of(
                "COUPON_BUSINESS_RECONCILE_ENABLED", "false",
                "COUPON_BUSINESS_RECONCILE_GRACE_MS", "2500",
                "COUPON_BUSINESS_RECONCILE_INTERVAL_MS", "5000")).business().reconcile();
        assertThat(custom).isEqualTo(new ServiceConfig.Reconcile(false, 2_500, 5_000));
    }

    @Test
    void wallet_defaults_lock_for_fifteen_minutes_and_overrides_apply() {
        ServiceConfig.Wallet defaults = loader.load(null, Map.of()).business().wallet();
        assertThat(defaults).isEqualTo(new ServiceConfig.Wallet(900_000, true, 10_000, 60_000, 500, 200, 100, 30_000));
        ServiceConfig.Wallet custom = loader.load(null, Map.of(
                "COUPON_BUSINESS_WALLET_LOCK_TTL_MS", "60000",
                "COUPON_BUSINESS_WALLET_JOBS_ENABLED", "false")).business().wallet();
        assertThat(custom.lockTtlMs()).isEqualTo(60_000);
        assertThat(custom.jobsEnabled()).isFalse();
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_BUSINESS_WALLET_LOCK_TTL_MS", "10")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("business.wallet.lock-ttl-ms must be between 1000 and 86400000, was 10");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_BUSINESS_WALLET_OUTBOX_BATCH_SIZE", "0")))
                .hasMessageContaining("business.wallet.outbox-batch-size must be between 1 and 10000, was 0");
    }

    @Test
    void reconciliation_values_out_of_range_are_rejected_by_key() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_BUSINESS_RECONCILE_INTERVAL_MS", "10")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("business.reconcile.interval-ms must be between 1000 and 86400000, was 10");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_BUSINESS_RECONCILE_GRACE_MS", "-1")))
                .hasMessageContaining("business.reconcile.grace-ms must be between 0 and 86400000, was -1");
    }

    @Test
    void a_grace_shorter_than_one_sink_flush_is_rejected_naming_both_keys() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_BUSINESS_RECONCILE_GRACE_MS", "20")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("business.reconcile.grace-ms (20) must be at least business.sink.flush-interval-ms (50)");
    }

    @Test
    void missing_file_is_reported() {
        assertThatThrownBy(() -> loader.load(Path.of("/nonexistent/srv.yaml"), Map.of()))
                .hasMessageContaining("/nonexistent/srv.yaml does not exist");
    }
}
