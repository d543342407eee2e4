package io.flashcoupon.rocketmq.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.TopicAttributes;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.attribute.AttributeParser;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;

/** An embedded broker on free loopback ports for one test, and the topics and groups it needs. */
record TestBroker(EmbeddedRocketMq server, int brokerPort) implements AutoCloseable {

    /** Starts one in {@code home} with {@code props} (e.g. the idle fixes switched off) on top of free ports. */
    static TestBroker start(Path home, Map<String, String> props) {
        int brokerPort = freeBrokerPort();
        Properties all = new Properties();
        all.setProperty("home", home.toString());
        all.setProperty("namesrvPort", Integer.toString(freePort(brokerPort)));
        all.setProperty("brokerPort", Integer.toString(brokerPort));
        all.putAll(props);
        return new TestBroker(new EmbeddedRocketMq(all), brokerPort);
    }

    String namesrvAddr() {
        return server.namesrvAddr();
    }

    String brokerAddr() {
        return "127.0.0.1:" + brokerPort;
    }

    /**
     * A topic of one queue with its message type (auto-creation is off), and {@code groups} as
     * subscription groups, once the name server routes the topic.
     */
    void createTopic(String topic, String messageType, String... groups) throws Exception {
        ClientConfig clientConfig = new ClientConfig();
        clientConfig.setNamesrvAddr(namesrvAddr());
        MQClientAPIImpl api = new MQClientAPIImpl(new NettyClientConfig(), new ClientRemotingProcessor(null), null,
                clientConfig);
        api.updateNameServerAddressList(namesrvAddr());
        api.start();
        try {
            TopicConfig config = new TopicConfig(topic, 1, 1, PermName.PERM_READ | PermName.PERM_WRITE);
            config.setAttributes(Map.of(AttributeParser.ATTR_ADD_PLUS_SIGN
                    + TopicAttributes.TOPIC_MESSAGE_TYPE_ATTRIBUTE.getName(), messageType));
            api.createTopic(brokerAddr(), TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, config, 3_000);
            for (String group : groups) {
                SubscriptionGroupConfig groupConfig = new SubscriptionGroupConfig();
                groupConfig.setGroupName(group);
                api.createSubscriptionGroup(brokerAddr(), groupConfig, 3_000);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            Exception last = null;
            while (System.nanoTime() - deadline < 0) {
                try {
                    TopicRouteData route = api.getTopicRouteInfoFromNameServer(topic, 3_000, false);
                    if (route != null && route.getQueueDatas() != null && !route.getQueueDatas().isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = e; // TOPIC_NOT_EXIST until the broker's registration reaches the name server
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the name server does not route " + topic + " after 20 s", last);
        } finally {
            api.shutdown();
        }
    }

    @Override
    public void close() {
        server.close();
    }

    /**
     * A loopback port p with p-2 (the broker's VIP channel), p and p+1 (HA) free, below the kernel's
     * ephemeral range so no outgoing connection takes one of them meanwhile.
     */
    private static int freeBrokerPort() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_002, 32_000);
            if (canBind(p - 2) && canBind(p) && canBind(p + 1)) {
                return p;
            }
        }
        throw new IllegalStateException("no free broker port triple in [20000, 32001)");
    }

    private static int freePort(int brokerPort) {
        for (int attempt = 0; attempt < 500; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            if ((p < brokerPort - 2 || p > brokerPort + 1) && canBind(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no free port in [20000, 32000)");
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
