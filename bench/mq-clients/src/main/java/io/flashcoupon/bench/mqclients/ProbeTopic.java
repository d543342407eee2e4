package io.flashcoupon.bench.mqclients;

import java.util.Map;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicAttributes;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.attribute.AttributeParser;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

/**
 * Creates the probe topic as a TRANSACTION topic on every master (the proxy refuses transactional sends
 * to a NORMAL topic, and brokers here do not auto-create), as core's TopicProvisioner does for the
 * service's topics, and waits for the name server to route it. A topic of its own: the service's
 * materializer never sees probe messages.
 */
final class ProbeTopic {
    private ProbeTopic() {}

    static void ensureTransactionTopic(String namesrv, String topic, int queues, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        ClientConfig clientConfig = new ClientConfig();
        clientConfig.setNamesrvAddr(namesrv);
        MQClientAPIImpl api = new MQClientAPIImpl(new NettyClientConfig(), new ClientRemotingProcessor(null), null,
                clientConfig);
        api.updateNameServerAddressList(namesrv);
        api.start();
        try {
            Exception last = null;
            while (true) {
                try {
                    ClusterInfo info = api.getBrokerClusterInfo(3_000);
                    int created = 0;
                    for (BrokerData broker : info.getBrokerAddrTable().values()) {
                        String addr = broker.getBrokerAddrs().get(MixAll.MASTER_ID);
                        if (addr == null) {
                            continue;
                        }
                        TopicConfig config = new TopicConfig(topic, queues, queues,
                                PermName.PERM_READ | PermName.PERM_WRITE);
                        config.setAttributes(Map.of(AttributeParser.ATTR_ADD_PLUS_SIGN
                                + TopicAttributes.TOPIC_MESSAGE_TYPE_ATTRIBUTE.getName(), "TRANSACTION"));
                        api.createTopic(addr, TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, config, 3_000);
                        created++;
                    }
                    if (created > 0) {
                        TopicRouteData route = api.getTopicRouteInfoFromNameServer(topic, 3_000, false);
                        if (route != null && route.getQueueDatas() != null) {
                            for (QueueData q : route.getQueueDatas()) {
                                if (q.getWriteQueueNums() == queues && PermName.isWriteable(q.getPerm())) {
                                    return;
                                }
                            }
                        }
                    }
                } catch (Exception e) {
                    last = e;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("probe topic " + topic + " not routed by " + namesrv
                            + " in time" + (last == null ? "" : ": " + last), last);
                }
                Thread.sleep(500);
            }
        } finally {
            api.shutdown();
        }
    }
}
