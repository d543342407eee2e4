package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.Registry.TopicSpec;
import io.flashcoupon.core.config.ConfigException;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.launcher.EmbeddedBroker;
import io.flashcoupon.systemtest.support.FaultPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rocketmq.provision-topics against a real broker: provisioning creates what is missing and leaves what
 * an operator tuned (a group's settings, a topic's queue count) as it is; with provisioning off, a topic
 * the name server does not route refuses the start naming it and the key.
 */
class TopicProvisioningIT {
    @TempDir
    static Path home;

    static final FaultPorts ports = new FaultPorts();
    static EmbeddedBroker broker;
    static MQClientAPIImpl admin;

    @BeforeAll
    static void startBroker() {
        System.setProperty("rocketmq.log.root", home.resolve("client-logs").toString());
        broker = EmbeddedBroker.start(home.resolve("broker"), ports.one(), ports.broker());
        ClientConfig config = new ClientConfig();
        config.setNamesrvAddr(broker.namesrvAddr());
        admin = new MQClientAPIImpl(new NettyClientConfig(), new ClientRemotingProcessor(null), null, config);
        admin.updateNameServerAddressList(broker.namesrvAddr());
        admin.start();
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.shutdown();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void a_second_provisioning_keeps_the_group_settings_and_queue_counts_an_operator_tuned() throws Exception {
        String topic = "it-provision-" + UUID.randomUUID();
        String group = "it-provision-group-" + UUID.randomUUID();
        List<TopicSpec> topics = List.of(new TopicSpec(topic, "NORMAL", 4));
        TopicProvisioner.provision(broker.namesrvAddr(), topics, List.of(group), Duration.ofSeconds(60));
        SubscriptionGroupConfig created = admin.getSubscriptionGroupConfig(broker.brokerAddr(), group, 5_000);
        assertThat(created.getRetryMaxTimes()).as("RocketMQ's default").isEqualTo(16);
        assertThat(admin.getTopicConfig(broker.brokerAddr(), topic, 5_000).getWriteQueueNums())
                .isEqualTo(4);

        // the operator's tuning
        created.setRetryMaxTimes(3);
        created.setConsumeBroadcastEnable(false);
        admin.createSubscriptionGroup(broker.brokerAddr(), created, 5_000);
        TopicConfig scaled = new TopicConfig(topic, 8, 8, PermName.PERM_READ | PermName.PERM_WRITE);
        scaled.setOrder(true);
        admin.createTopic(broker.brokerAddr(), TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, scaled, 5_000);

        TopicProvisioner.provision(broker.namesrvAddr(), topics, List.of(group), Duration.ofSeconds(60));
        SubscriptionGroupConfig after = admin.getSubscriptionGroupConfig(broker.brokerAddr(), group, 5_000);
        assertThat(after.getRetryMaxTimes()).as("not reset to the default").isEqualTo(3);
        TopicConfig kept = admin.getTopicConfig(broker.brokerAddr(), topic, 5_000);
        assertThat(kept.getWriteQueueNums()).as("the operator's queue count").isEqualTo(8);
        assertThat(kept.isOrder()).as("the operator's ordered topic").isTrue();
        assertThat(kept.getAttributes()).containsEntry("message.type", "NORMAL");
    }

    @Test
    void with_provisioning_off_a_missing_topic_fails_naming_it_and_nothing_is_created() throws Exception {
        String present = "it-present-" + UUID.randomUUID();
        String missing = "it-missing-" + UUID.randomUUID();
        TopicProvisioner.provision(broker.namesrvAddr(), List.of(new TopicSpec(present, "NORMAL", 2)), List.of(),
                Duration.ofSeconds(60));
        TopicProvisioner.verify(broker.namesrvAddr(), null, List.of(new TopicSpec(present, "NORMAL", 2)),
                Duration.ofSeconds(10));

        assertThatThrownBy(() -> TopicProvisioner.verify(broker.namesrvAddr(), null, List.of(
                new TopicSpec(present, "NORMAL", 2), new TopicSpec(missing, "TRANSACTION", 4)), Duration.ofSeconds(3)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rocketmq.provision-topics is false")
                .hasMessageContaining("routes no writable topic " + missing)
                .hasMessageContaining("TRANSACTION, 4 queues")
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
        assertThat(admin.getAllTopicConfig(broker.brokerAddr(), 5_000).getTopicConfigTable())
                .as("verify created nothing").doesNotContainKey(missing).containsKey(present);
        assertThat(Registry.TOPICS).isNotEmpty();
    }
}
