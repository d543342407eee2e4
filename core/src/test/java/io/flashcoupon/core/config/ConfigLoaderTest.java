package io.flashcoupon.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.Registry;
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
    void node_ids_are_leased_next_free_by_default_and_the_policy_and_lease_are_checked() {
        ServiceConfig.Server defaults = loader.load(null, Map.of()).server();
        assertThat(defaults.nodeIdPolicy()).isEqualTo("next-free");
        assertThat(defaults.takesNextFreeNodeId()).isTrue();
        assertThat(defaults.nodeLeaseMs()).isEqualTo(10_000);
        assertThat(loader.load(null, Map.of("COUPON_SERVER_NODE_ID_POLICY", "refuse")).server().takesNextFreeNodeId())
                .isFalse();
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SERVER_NODE_ID_POLICY", "steal")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.node-id-policy must be refuse or next-free, was 'steal'");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SERVER_NODE_LEASE_MS", "100")))
                .hasMessageContaining("server.node-lease-ms must be between 1000 and 600000, was 100");
    }

    @Test
    void redis_durability_defaults_to_auto_and_is_overridden_like_any_key() {
        ServiceConfig.Redis defaults = loader.load(null, Map.of()).redis();
        assertThat(defaults.durabilityMode()).isEqualTo(ServiceConfig.Durability.AUTO);
        assertThat(defaults.durabilityReplicas()).isZero();
        assertThat(defaults.durabilityTimeoutMs()).isEqualTo(2_000);
        ServiceConfig.Redis custom = loader.load(null, Map.of(
                "COUPON_REDIS_DURABILITY", "fsync-always",
                "COUPON_REDIS_DURABILITY_REPLICAS", "1",
                "COUPON_REDIS_DURABILITY_TIMEOUT_MS", "500")).redis();
        assertThat(custom.durabilityMode()).isEqualTo(ServiceConfig.Durability.FSYNC_ALWAYS);
        assertThat(custom.durabilityReplicas()).isEqualTo(1);
        assertThat(custom.durabilityTimeoutMs()).isEqualTo(500);
        assertThat(loader.load(null, Map.of("COUPON_REDIS_DURABILITY", "waitaof")).redis().durabilityMode())
                .isEqualTo(ServiceConfig.Durability.WAITAOF);
    }

    @Test
    void cluster_nodes_switch_to_a_cluster_and_are_checked_as_host_port() {
        assertThat(loader.load(null, Map.of()).redis().cluster()).isFalse();
        ServiceConfig.Redis cluster = loader.load(null, Map.of("COUPON_REDIS_CLUSTER_NODES",
                "127.0.0.1:7001,127.0.0.1:7002")).redis();
        assertThat(cluster.cluster()).isTrue();
        assertThat(cluster.clusterNodes()).containsExactly("127.0.0.1:7001", "127.0.0.1:7002");
        assertThat(cluster.where()).isEqualTo("cluster 127.0.0.1:7001,127.0.0.1:7002");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_CLUSTER_NODES", "127.0.0.1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redis.cluster-nodes entry '127.0.0.1' must be host:port");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_CLUSTER_NODES", "127.0.0.1:7001",
                "COUPON_REDIS_DATABASE", "3")))
                .hasMessageContaining("redis.database must be 0 with redis.cluster-nodes");
    }

    @Test
    void provisioning_waits_for_one_master_broker_unless_told_how_many() {
        assertThat(loader.load(null, Map.of()).rocketmq().minMasters()).isEqualTo(1);
        assertThat(loader.load(null, Map.of("COUPON_ROCKETMQ_MIN_MASTERS", "2")).rocketmq().minMasters()).isEqualTo(2);
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_MIN_MASTERS", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rocketmq.min-masters must be between 1 and 64, was 0");
    }

    @Test
    void the_cache_may_have_a_redis_of_its_own_given_as_a_redis_uri() {
        assertThat(loader.load(null, Map.of()).cache().ownRedis()).isFalse();
        assertThat(loader.load(null, Map.of("COUPON_CACHE_REDIS_URI", "redis://127.0.0.1:6380/2")).cache().redisUri())
                .isEqualTo("redis://127.0.0.1:6380/2");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_CACHE_REDIS_URI", "127.0.0.1:6380")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cache.redis-uri must be redis://[:password@]host[:port][/db], was '127.0.0.1:6380'");
    }

    @Test
    void redis_durability_values_are_rejected_by_key_with_what_is_allowed() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_DURABILITY", "everysec")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redis.durability must be one of auto, waitaof, fsync-always, was 'everysec'");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_DURABILITY", "FSYNC_ALWAYS")))
                .hasMessageContaining("was 'FSYNC_ALWAYS'");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_DURABILITY_REPLICAS", "-1")))
                .hasMessageContaining("redis.durability-replicas must be between 0 and 100, was -1");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_DURABILITY_TIMEOUT_MS", "0")))
                .hasMessageContaining("redis.durability-timeout-ms must be between 1 and 60000, was 0");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_REDIS_DURABILITY_TIMEOUT_MS", "3000")))
                .hasMessageContaining("redis.durability-timeout-ms (3000) must be below redis.timeout-ms (3000)");
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
    void topics_are_provisioned_by_default_and_the_switch_is_an_ordinary_key() {
        ServiceConfig.Rocketmq mq = loader.load(null, Map.of()).rocketmq();
        assertThat(mq.provisionTopics()).isTrue();
        assertThat(mq.hasCredentials()).isFalse();
        assertThat(loader.load(null, Map.of("COUPON_ROCKETMQ_PROVISION_TOPICS", "false")).rocketmq().provisionTopics())
                .isFalse();
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_PROVISION_TOPICS", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sometimes");
    }

    @Test
    void queue_counts_come_from_rocketmq_queues_per_topic_and_are_checked() {
        ServiceConfig.Rocketmq defaults = loader.load(null, Map.of()).rocketmq();
        assertThat(defaults.queues()).isEqualTo(Registry.defaultQueues());
        assertThat(defaults.topics()).isEqualTo(Registry.TOPICS);

        ServiceConfig.Rocketmq sixteen = loader.load(null, Map.of("COUPON_ROCKETMQ_QUEUES_COUPON_EVENTS", "16"))
                .rocketmq();
        assertThat(sixteen.topics()).filteredOn(t -> t.name().equals(Registry.TOPIC_COUPON_EVENTS))
                .singleElement().satisfies(t -> {
                    assertThat(t.queues()).isEqualTo(16);
                    assertThat(t.messageType()).isEqualTo("TRANSACTION");
                });
        assertThat(sixteen.queues()).containsEntry(Registry.TOPIC_BINLOG, 4);

        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_QUEUES_COUPON_WARMUP", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rocketmq.queues.coupon-warmup must be between 1 and 256, was 0");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_QUEUES_COUPON_EVENTS", "many")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("many");
    }

    @Test
    void a_queue_count_for_a_topic_the_service_does_not_have_is_refused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("srv.yaml");
        Files.writeString(file, "rocketmq:\n  queues:\n    coupon-event: 16\n");
        assertThatThrownBy(() -> loader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rocketmq.queues.coupon-event names no topic of the service");
    }

    @Test
    void broker_acl_keys_are_set_together_or_not_at_all() {
        ServiceConfig.Rocketmq both = loader.load(null, Map.of("COUPON_ROCKETMQ_ACCESS_KEY", "coupon",
                "COUPON_ROCKETMQ_SECRET_KEY", "s3cret-value")).rocketmq();
        assertThat(both.hasCredentials()).isTrue();
        assertThat(both.accessKey()).isEqualTo("coupon");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_ACCESS_KEY", "coupon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rocketmq.access-key and rocketmq.secret-key must be set together");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_SECRET_KEY", "s3cret-value")))
                .hasMessageContaining("must be set together")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-value"));
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ROCKETMQ_ACCESS_KEY", "coupon",
                "COUPON_ROCKETMQ_SECRET_KEY", "has space")))
                .hasMessageContaining("rocketmq.secret-key must be printable ASCII without spaces")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("has space"));
    }

    @Test
    void the_broker_secret_key_is_never_printed() {
        ServiceConfig c = loader.load(null, Map.of("COUPON_ROCKETMQ_ACCESS_KEY", "coupon",
                "COUPON_ROCKETMQ_SECRET_KEY", "s3cret-value"));
        assertThat(c.toString()).doesNotContain("s3cret-value").contains("accessKey=coupon", "secretKey=hidden");
        assertThat(c.rocketmq().toString()).doesNotContain("s3cret-value");
    }

    @Test
    void reconciliation_defaults_and_overrides() {
        ServiceConfig.Reconcile defaults = loader.load(null, Map.of()).business().reconcile();
        assertThat(defaults).isEqualTo(new ServiceConfig.Reconcile(true, 15_000, 30_000, 600_000));
        ServiceConfig.Reconcile custom = loader.load(null, Map.of(
                "COUPON_BUSINESS_RECONCILE_ENABLED", "false",
                "COUPON_BUSINESS_RECONCILE_GRACE_MS", "2500",
                "COUPON_BUSINESS_RECONCILE_INTERVAL_MS", "5000",
                "COUPON_BUSINESS_RECONCILE_SETTLED_RECHECK_MS", "0")).business().reconcile();
        assertThat(custom).isEqualTo(new ServiceConfig.Reconcile(false, 2_500, 5_000, 0));
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
    void read_defaults_match_the_shipped_file_and_are_range_checked() {
        ServiceConfig c = loader.load(null, Map.of());
        assertThat(c.business().reads()).isEqualTo(ServiceConfig.Reads.DEFAULTS);
        assertThat(c.business().reads().statusCacheMs()).isEqualTo(200);
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_BUSINESS_READS_READ_THREADS", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("business.reads.read-threads must be between 1 and 4096, was 0");
    }

    @Test
    void cache_and_cdc_defaults_run_the_embedded_reader_and_production_switches_it_off() {
        ServiceConfig c = loader.load(null, Map.of());
        assertThat(c.cache().l2TtlMs()).isEqualTo(300_000);
        assertThat(c.cache().secondDeleteMs()).isEqualTo(500);
        assertThat(c.cdc().embedded().enabled()).isTrue();
        assertThat(c.cdc().embedded().tables()).containsExactly("coupon_templates", "flash_sale_activities",
                "user_coupons");
        assertThat(c.cdc().embedded().effectiveServerId(c.server().nodeId())).isEqualTo(184_001L);
        ServiceConfig prod = loader.load(null, Map.of("COUPON_CDC_EMBEDDED_ENABLED", "false",
                "COUPON_CDC_EMBEDDED_TABLES", ""));
        assertThat(prod.cdc().embedded().enabled()).isFalse();
    }

    @Test
    void bad_cache_and_cdc_values_are_rejected_by_key() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_CACHE_L2_TTL_MS", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cache.l2-ttl-ms must be between 1 and 86400000, was 0");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_CACHE_NEGATIVE_MAX_SIZE", "0")))
                .hasMessageContaining("cache.negative-max-size must be between 1 and 10000000, was 0");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_CDC_EMBEDDED_TABLES", "")))
                .hasMessageContaining("cdc.embedded.tables must name at least one table");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_CDC_EMBEDDED_TABLES", "coupon_templates,x;drop")))
                .hasMessageContaining("cdc.embedded.tables entry 'x;drop' must be letters, digits or '_'");
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

    @Test
    void the_shipped_dev_token_operates_by_default_and_is_refused_when_dev_tokens_are_not_allowed() {
        ServiceConfig.Admin admin = loader.load(null, Map.of()).admin();
        assertThat(admin.operateTokens()).containsExactly(ConfigValidator.DEV_TOKEN);
        assertThat(admin.readTokens()).isEmpty();
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_ALLOW_DEV_TOKEN", "false")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.operate-tokens[0] is the shipped dev token");
        ServiceConfig.Admin own = loader.load(null, Map.of("COUPON_ADMIN_ALLOW_DEV_TOKEN", "false",
                "COUPON_ADMIN_OPERATE_TOKENS", "op-0123456789abcdef,op-fedcba9876543210",
                "COUPON_ADMIN_READ_TOKENS", "rd-0123456789abcdef", "COUPON_SAGA_BRANCH_TOKEN", "dtm-0123456789abcdef"))
                .admin();
        assertThat(own.operateTokens()).containsExactly("op-0123456789abcdef", "op-fedcba9876543210");
        assertThat(own.readTokens()).containsExactly("rd-0123456789abcdef");
    }

    @Test
    void bad_tokens_are_named_by_position_and_never_printed() {
        String shortSecret = "short-secret";
        String spaced = "has a space 0123456789";
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_OPERATE_TOKENS", shortSecret + "," + spaced)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.operate-tokens[0] must be at least 16 characters")
                .hasMessageContaining("admin.operate-tokens[1] must be printable ASCII without spaces")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(shortSecret).doesNotContain(spaced));
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_OPERATE_TOKENS", "same-token-0123456789",
                "COUPON_ADMIN_READ_TOKENS", "same-token-0123456789")))
                .hasMessageContaining("admin.operate-tokens[0] repeats a token listed before")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("same-token-0123456789"));
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_OPERATE_TOKENS", "")))
                .hasMessageContaining("admin.operate-tokens must list at least one token");
    }

    @Test
    void unnamed_tokens_are_named_by_role_and_position_and_given_names_are_kept() {
        ServiceConfig.Admin plain = loader.load(null, Map.of("COUPON_ADMIN_READ_TOKENS",
                "rd-0123456789abcdef,rd-fedcba9876543210")).admin();
        assertThat(plain.operateTokenName(0)).isEqualTo("operate-1");
        assertThat(plain.readTokenName(1)).isEqualTo("read-2");
        ServiceConfig.Admin named = loader.load(null, Map.of("COUPON_ADMIN_READ_TOKENS", "rd-0123456789abcdef",
                "COUPON_ADMIN_READ_TOKEN_NAMES", "dashboard", "COUPON_ADMIN_OPERATE_TOKEN_NAMES", "alice")).admin();
        assertThat(named.readTokenName(0)).isEqualTo("dashboard");
        assertThat(named.operateTokenName(0)).isEqualTo("alice");
        assertThat(named.toString()).contains("alice").doesNotContain(ConfigValidator.DEV_TOKEN);
    }

    @Test
    void token_names_must_be_one_per_token_unique_well_formed_and_never_a_token() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_OPERATE_TOKEN_NAMES", "alice,bob")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.operate-token-names must name every token of its list or be empty:"
                        + " 2 name(s) for 1 token(s)");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_READ_TOKENS", "rd-0123456789abcdef",
                "COUPON_ADMIN_READ_TOKEN_NAMES", "alice", "COUPON_ADMIN_OPERATE_TOKEN_NAMES", "alice")))
                .hasMessageContaining("admin.operate-token-names[0] 'alice' names another token too");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_READ_TOKENS", "rd-0123456789abcdef",
                "COUPON_ADMIN_READ_TOKEN_NAMES", "operate-1")))
                .hasMessageContaining("admin.read-token-names[0] 'operate-1' names another token too");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_OPERATE_TOKEN_NAMES", "has space")))
                .hasMessageContaining("admin.operate-token-names[0] 'has space' must be 1 to 64 characters");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_OPERATE_TOKEN_NAMES",
                ConfigValidator.DEV_TOKEN)))
                .hasMessageContaining("admin.operate-token-names[0] is one of the tokens")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(ConfigValidator.DEV_TOKEN));
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_OPERATE_TOKEN_NAMES",
                ConfigValidator.DEV_BRANCH_TOKEN)))
                .hasMessageContaining("saga.branch-token must not be one of the admin token names");
    }

    @Test
    void an_empty_token_name_is_refused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("srv.yaml");
        Files.writeString(file, "admin:\n  operate-token-names: [\"\"]\n");
        assertThatThrownBy(() -> loader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.operate-token-names[0] is empty");
    }

    @Test
    void the_admin_section_prints_no_token() {
        ServiceConfig c = loader.load(null, Map.of());
        assertThat(c.toString()).doesNotContain(ConfigValidator.DEV_TOKEN).contains("operateTokens=1 token(s)")
                .doesNotContain(ConfigValidator.DEV_BRANCH_TOKEN).contains("Saga[branchToken=hidden]");
    }

    @Test
    void the_saga_branch_token_is_required_its_own_and_never_printed() {
        assertThat(loader.load(null, Map.of()).saga().branchToken()).isEqualTo(ConfigValidator.DEV_BRANCH_TOKEN);
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SAGA_BRANCH_TOKEN", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("saga.branch-token must be at least 16 characters");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SAGA_BRANCH_TOKEN", ConfigValidator.DEV_TOKEN)))
                .hasMessageContaining("saga.branch-token must not be one of the admin tokens")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(ConfigValidator.DEV_TOKEN));
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_ADMIN_ALLOW_DEV_TOKEN", "false",
                "COUPON_ADMIN_OPERATE_TOKENS", "op-0123456789abcdef")))
                .hasMessageContaining("saga.branch-token is the shipped dev token")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(ConfigValidator.DEV_BRANCH_TOKEN));
    }

    @Test
    void roles_default_to_all_three_and_a_process_can_run_a_subset() {
        ServiceConfig.Server all = loader.load(null, Map.of()).server();
        assertThat(all.roles()).containsExactly("ingress", "topology", "admin");
        ServiceConfig.Server ingress = loader.load(null, Map.of("COUPON_SERVER_ROLES", "ingress")).server();
        assertThat(loader.load(null, Map.of("COUPON_SERVER_ROLES", "topology, admin")).server().roles())
                .containsExactly("topology", "admin");
        assertThat(all.roleSet()).containsExactly(ServiceConfig.Role.INGRESS, ServiceConfig.Role.TOPOLOGY,
                ServiceConfig.Role.ADMIN);
        assertThat(ingress.roleSet()).containsExactly(ServiceConfig.Role.INGRESS);
    }

    @Test
    void unknown_duplicate_or_no_roles_are_rejected_by_key() {
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SERVER_ROLES", "ingress,gateway")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.roles entry 'gateway' is not one of [ingress, topology, admin]");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SERVER_ROLES", "admin,admin")))
                .hasMessageContaining("server.roles lists a role twice: [admin, admin]");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SERVER_ROLES", " ")))
                .hasMessageContaining("server.roles must name at least one of");
    }

    @Test
    void shutdown_budget_and_tracing_are_validated() {
        assertThat(loader.load(null, Map.of()).server().shutdownTimeoutMs()).isEqualTo(30_000);
        assertThat(loader.load(null, Map.of()).tracing().enabled()).as("tracing off by default").isFalse();
        ServiceConfig.Tracing on = loader.load(null, Map.of("COUPON_TRACING_OTLP_ENDPOINT", "http://otel:4317",
                "COUPON_TRACING_SAMPLE_RATIO", "0.25")).tracing();
        assertThat(on).isEqualTo(new ServiceConfig.Tracing("http://otel:4317", 0.25));
        assertThat(on.enabled()).isTrue();
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_SERVER_SHUTDOWN_TIMEOUT_MS", "10")))
                .hasMessageContaining("server.shutdown-timeout-ms must be between 1000 and 600000, was 10");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_TRACING_OTLP_ENDPOINT", "otel:4317")))
                .hasMessageContaining("tracing.otlp-endpoint must be http(s)://host:port, was 'otel:4317'");
        assertThatThrownBy(() -> loader.load(null, Map.of("COUPON_TRACING_SAMPLE_RATIO", "1.5")))
                .hasMessageContaining("tracing.sample-ratio must be between 0 and 1, was 1.5");
    }

    @Test
    void a_misspelt_coupon_variable_is_named_with_the_key_it_probably_meant() {
        java.util.List<String> known = java.util.List.of("COUPON_SERVER_GRPC_PORT", "COUPON_REDIS_HOST");
        Map<String, String> env = Map.of("COUPON_SERVER_GRPC_PROT", "9091", "COUPON_REDIS_HOST", "r",
                "PATH", "/bin", "COUPON_SOMETHING_ELSE_ENTIRELY", "x");
        assertThat(ConfigLoader.unknownVariables(known, env))
                .containsExactly("COUPON_SERVER_GRPC_PROT", "COUPON_SOMETHING_ELSE_ENTIRELY");
        assertThat(ConfigLoader.closest("COUPON_SERVER_GRPC_PROT", known)).hasValue("COUPON_SERVER_GRPC_PORT");
        assertThat(ConfigLoader.closest("COUPON_SOMETHING_ELSE_ENTIRELY", known)).isEmpty();
    }

    @Test
    void an_unknown_coupon_variable_does_not_stop_the_start() {
        ServiceConfig config = new ConfigLoader().load(null, Map.of("COUPON_SERVER_GRPC_PROT", "9091"));
        assertThat(config.server().grpcPort()).as("the default: the misspelt override is not applied").isEqualTo(9090);
    }
}
