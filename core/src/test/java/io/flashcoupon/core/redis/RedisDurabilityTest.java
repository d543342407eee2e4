package io.flashcoupon.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.config.ServiceConfig.Durability;
import io.flashcoupon.core.redis.RedisDurability.Mode;
import io.flashcoupon.core.redis.RedisDurability.ServerFacts;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisDurabilityTest {
    private static final String WHERE = "127.0.0.1:6379";

    private static ServerFacts facts(String version, Boolean aof, String fsync) {
        return new ServerFacts(version, false, 0, aof, fsync, null);
    }

    private static ServerFacts configRefused(String version, Boolean aof) {
        return new ServerFacts(version, false, 0, aof, null, "ERR unknown command 'CONFIG'");
    }

    @Test
    void versions_from_7_2_on_have_waitaof() {
        assertThat(RedisDurability.supportsWaitAof("7.2.0")).isTrue();
        assertThat(RedisDurability.supportsWaitAof("7.4.1")).isTrue();
        assertThat(RedisDurability.supportsWaitAof("8.0-m02")).isTrue();
        assertThat(RedisDurability.supportsWaitAof("10.0.0")).isTrue();
        assertThat(RedisDurability.supportsWaitAof("7.0.15")).isFalse();
        assertThat(RedisDurability.supportsWaitAof("7.1.242")).isFalse();
        assertThat(RedisDurability.supportsWaitAof("6.2.14")).isFalse();
        assertThat(RedisDurability.supportsWaitAof("garbage")).isFalse();
        assertThat(RedisDurability.supportsWaitAof(null)).isFalse();
    }

    @Test
    void auto_on_7_0_with_appendfsync_always_runs_fsync_always() {
        RedisDurability.Choice c = RedisDurability.choose(Durability.AUTO, 0, facts("7.0.15", true, "always"), WHERE);
        assertThat(c.mode()).isEqualTo(Mode.FSYNC_ALWAYS);
        assertThat(c.why()).contains("appendfsync always");
        ServerFacts oneReplica = new ServerFacts("7.0.15", false, 1, true, "always", null);
        RedisDurability.Choice replicated = RedisDurability.choose(Durability.AUTO, 1, oneReplica, WHERE);
        assertThat(replicated.mode()).as("no WAITAOF on 7.0: WAIT for the replica").isEqualTo(Mode.FSYNC_ALWAYS);
        assertThat(replicated.why()).contains("7.0.15 has no WAITAOF");
    }

    @Test
    void a_server_that_skips_fsync_while_rewriting_is_not_trusted_to_fsync_always() {
        ServerFacts skips = new ServerFacts("7.0.15", false, 0, true, "always", null, true);
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, skips, WHERE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("runs no-appendfsync-on-rewrite yes")
                .hasMessageContaining("CONFIG SET no-appendfsync-on-rewrite no");
        assertThatThrownBy(() -> RedisDurability.choose(Durability.FSYNC_ALWAYS, 0, skips, WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no-appendfsync-on-rewrite");
        ServerFacts skips72 = new ServerFacts("7.2.4", false, 0, true, "always", null, true);
        assertThat(RedisDurability.choose(Durability.AUTO, 0, skips72, WHERE).mode())
                .as("WAITAOF waits for the fsync itself").isEqualTo(Mode.WAITAOF);
    }

    @Test
    void auto_on_7_0_with_everysec_refuses_naming_the_setting_and_the_fix() {
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, facts("7.0.15", true, "everysec"), WHERE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redis.durability is auto")
                .hasMessageContaining("Redis 7.0.15 at 127.0.0.1:6379 runs appendfsync everysec")
                .hasMessageContaining("CONFIG SET appendfsync always")
                .hasMessageContaining("Redis 7.2+ for WAITAOF")
                .hasMessageNotContaining("\n");
    }

    @Test
    void auto_with_the_aof_off_refuses_on_any_version() {
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, facts("7.0.15", false, "always"), WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("runs appendonly no");
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, facts("7.2.6", false, "everysec"), WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("runs appendonly no")
                .hasMessageContaining("the AOF is off");
    }

    @Test
    void auto_on_7_2_with_the_aof_on_runs_waitaof_unless_the_server_fsyncs_always_anyway() {
        assertThat(RedisDurability.choose(Durability.AUTO, 0, facts("7.2.6", true, "everysec"), WHERE).mode())
                .isEqualTo(Mode.WAITAOF);
        assertThat(RedisDurability.choose(Durability.AUTO, 0, facts("7.2.6", true, "always"), WHERE).mode())
                .as("nothing to add: the server fsyncs before it replies").isEqualTo(Mode.FSYNC_ALWAYS);
        ServerFacts alwaysWithReplica = new ServerFacts("7.4.1", false, 1, true, "always", null);
        RedisDurability.Choice replicated = RedisDurability.choose(Durability.AUTO, 1, alwaysWithReplica, WHERE);
        assertThat(replicated.mode()).as("WAITAOF waits for the replica's AOF too").isEqualTo(Mode.WAITAOF);
        assertThat(replicated.why()).contains("1 replica(s) must hold each write");
        // appendfsync no: WAITAOF would time out forever; always is not there either -> refused
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, facts("7.2.6", true, "no"), WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("runs appendfsync no");
    }

    @Test
    void explicit_waitaof_needs_7_2_and_an_aof_that_is_fsynced() {
        assertThat(RedisDurability.choose(Durability.WAITAOF, 0, facts("7.2.6", true, "everysec"), WHERE).mode())
                .isEqualTo(Mode.WAITAOF);
        assertThatThrownBy(() -> RedisDurability.choose(Durability.WAITAOF, 0, facts("7.0.15", true, "always"), WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("has no WAITAOF (Redis 7.2+)");
        assertThatThrownBy(() -> RedisDurability.choose(Durability.WAITAOF, 0, facts("7.2.6", false, "always"), WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("appendonly no");
        assertThatThrownBy(() -> RedisDurability.choose(Durability.WAITAOF, 0, facts("7.2.6", true, "no"), WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("appendfsync no");
    }

    @Test
    void explicit_fsync_always_on_7_2_checks_the_server_like_auto_does_on_7_0() {
        assertThat(RedisDurability.choose(Durability.FSYNC_ALWAYS, 0, facts("7.2.6", true, "always"), WHERE).mode())
                .isEqualTo(Mode.FSYNC_ALWAYS);
        assertThatThrownBy(() -> RedisDurability.choose(Durability.FSYNC_ALWAYS, 0, facts("7.2.6", true, "everysec"),
                WHERE)).isInstanceOf(ConfigException.class).hasMessageContaining("appendfsync everysec")
                .hasMessageNotContaining("Redis 7.2+ for WAITAOF");
    }

    @Test
    void config_get_refused_auto_on_7_0_says_so_and_how_to_start_on_the_providers_word() {
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, configRefused("7.0.15", true), WHERE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("refused CONFIG GET (ERR unknown command 'CONFIG'")
                .hasMessageContaining("set redis.durability to fsync-always");
        RedisDurability.Choice trusted = RedisDurability.choose(Durability.FSYNC_ALWAYS, 0,
                configRefused("7.0.15", true), WHERE);
        assertThat(trusted.mode()).isEqualTo(Mode.FSYNC_ALWAYS);
        assertThat(trusted.why()).contains("taken on trust");
    }

    @Test
    void config_get_refused_auto_on_7_2_uses_waitaof_when_info_shows_the_aof_on() {
        assertThat(RedisDurability.choose(Durability.AUTO, 0, configRefused("7.2.6", true), WHERE).mode())
                .isEqualTo(Mode.WAITAOF);
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, configRefused("7.2.6", false), WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("refused CONFIG GET");
    }

    @Test
    void replicas_asked_for_must_be_attached_and_the_server_must_be_a_primary() {
        ServerFacts oneReplica = new ServerFacts("7.0.15", false, 1, true, "always", null);
        assertThat(RedisDurability.choose(Durability.AUTO, 1, oneReplica, WHERE).mode()).isEqualTo(Mode.FSYNC_ALWAYS);
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 2, oneReplica, WHERE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("has 1 connected replica(s) but redis.durability-replicas asks for 2");
        ServerFacts replica = new ServerFacts("7.0.15", true, 0, true, "always", null);
        assertThatThrownBy(() -> RedisDurability.choose(Durability.AUTO, 0, replica, WHERE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is a replica");
    }

    @Test
    void waitaof_reply_confirms_only_the_local_fsync_and_enough_replicas() {
        assertThat(RedisDurability.waitAofShortfall(List.of(1L, 0L), 0, 2000)).isNull();
        assertThat(RedisDurability.waitAofShortfall(List.of(1L, 2L), 2, 2000)).isNull();
        assertThat(RedisDurability.waitAofShortfall(List.of(0L, 0L), 0, 2000))
                .contains("within 2000 ms").contains("local AOF 0 of 1").contains("outcome unknown");
        assertThat(RedisDurability.waitAofShortfall(List.of(1L, 1L), 2, 2000)).contains("replicas 1 of 2");
        assertThat(RedisDurability.waitAofShortfall(List.of(1L), 0, 2000)).contains("not [local, replicas]");
        assertThat(RedisDurability.waitAofShortfall(Arrays.asList("1", "0"), 0, 2000)).contains("not [local, replicas]");
        assertThat(RedisDurability.waitAofShortfall(null, 0, 2000)).contains("not [local, replicas]");
    }

    @Test
    void wait_reply_must_reach_the_replicas_asked_for() {
        assertThat(RedisDurability.waitShortfall(1L, 1, 500)).isNull();
        assertThat(RedisDurability.waitShortfall(0L, 1, 500)).contains("WAIT: 0 of 1");
        assertThat(RedisDurability.waitShortfall(null, 1, 500)).contains("outcome unknown");
    }

    @Test
    void only_waitaof_or_replicas_add_a_wait_to_a_call() {
        RedisDurability plain = RedisDurability.serverFsyncs();
        assertThat(plain.waits()).isFalse();
        assertThat(plain.confirm(new RedisAccess.Target("single", null), "fs:{1}:sale", "x").toCompletableFuture().join()).isEqualTo("x");
    }

    @Test
    void a_sale_redis_that_may_evict_is_refused_naming_the_policy_and_the_fix() {
        RedisDurability.ServerFacts lru = new RedisDurability.ServerFacts("7.0.15", false, 0, true, "always", null,
                false, "allkeys-lru");
        assertThatThrownBy(() -> RedisDurability.requireNoEviction(lru, "127.0.0.1:6379"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("maxmemory-policy allkeys-lru")
                .hasMessageContaining("CONFIG SET maxmemory-policy noeviction");
        RedisDurability.ServerFacts volatileTtl = new RedisDurability.ServerFacts("7.0.15", false, 0, true, "always",
                null, false, "volatile-ttl");
        assertThatThrownBy(() -> RedisDurability.requireNoEviction(volatileTtl, "x")).isInstanceOf(ConfigException.class);
    }

    @Test
    void a_cluster_replica_that_may_be_promoted_needs_a_replica_wait_and_a_master_s_settings() {
        ServerFacts always = new ServerFacts("7.0.15", true, 0, true, "always", null, false, "noeviction");
        io.flashcoupon.core.config.ServiceConfig.Redis noWait = new io.flashcoupon.core.config.ServiceConfig.Redis(
                "h", 1, "", 0, 3000, "auto", 0, 2000);
        io.flashcoupon.core.config.ServiceConfig.Redis wait1 = new io.flashcoupon.core.config.ServiceConfig.Redis(
                "h", 1, "", 0, 3000, "auto", 1, 2000);
        assertThatThrownBy(() -> RedisDurability.checkReplica(always, false, Mode.FSYNC_ALWAYS, noWait, "replica r"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redis.durability-replicas is 0 but Redis 7.0.15 at replica r may be promoted")
                .hasMessageContaining("cluster-replica-no-failover yes");
        RedisDurability.checkReplica(always, true, Mode.FSYNC_ALWAYS, noWait, "replica r");
        RedisDurability.checkReplica(always, false, Mode.FSYNC_ALWAYS, wait1, "replica r");
        ServerFacts everysec = new ServerFacts("7.0.15", true, 0, true, "everysec", null, false, "noeviction");
        assertThatThrownBy(() -> RedisDurability.checkReplica(everysec, false, Mode.FSYNC_ALWAYS, wait1, "replica r"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("runs appendfsync everysec");
        ServerFacts lru = new ServerFacts("7.0.15", true, 0, true, "always", null, false, "allkeys-lru");
        assertThatThrownBy(() -> RedisDurability.checkReplica(lru, false, Mode.FSYNC_ALWAYS, wait1, "replica r"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("maxmemory-policy allkeys-lru");
    }

    @Test
    void a_sale_redis_that_never_evicts_or_does_not_say_is_accepted() {
        RedisDurability.requireNoEviction(new RedisDurability.ServerFacts("7.0.15", false, 0, true, "always", null,
                false, "noeviction"), "x");
        RedisDurability.requireNoEviction(new RedisDurability.ServerFacts("7.0.15", false, 0, true, "always", null,
                false, null), "x");
    }

    @Test
    void info_sections_are_read_as_fields() {
        String info = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n";
        assertThat(RedisDurability.info(info)).containsEntry("redis_version", "7.0.15")
                .containsEntry("redis_mode", "standalone").doesNotContainKey("# Server");
    }
}
