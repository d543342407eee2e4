package io.flashcoupon.core.mq;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.runtime.Readiness;
import java.time.Duration;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

/**
 * Readiness of the broker: the name server routes the grab topic ({@link Registry#TOPIC_COUPON_EVENTS})
 * to a broker with a writable queue. Asked over a bare remoting client of its own (no client
 * instance, group or heartbeat shared with the service's producers). A broker that died keeps its
 * route until the name server expires it (about two minutes); the grabs' sends fail meanwhile and are
 * counted as deferred publications.
 */
public final class BrokerReadiness implements AutoCloseable {
    private final MQClientAPIImpl api;
    private final String namesrvAddr;
    private final Duration timeout;

    /** Starts the client on {@code namesrvAddr}; close it at the stop. */
    public BrokerReadiness(String namesrvAddr, Duration timeout) {
        this(namesrvAddr, null, timeout);
    }

    /** As above, every request signed by {@code rpcHook} (the broker's ACL credentials, BrokerAcl); null = none. */
    public BrokerReadiness(String namesrvAddr, RPCHook rpcHook, Duration timeout) {
        this.namesrvAddr = namesrvAddr;
        this.timeout = timeout;
        ClientConfig clientConfig = new ClientConfig();
        clientConfig.setNamesrvAddr(namesrvAddr);
        this.api = new MQClientAPIImpl(new NettyClientConfig(), new ClientRemotingProcessor(null), rpcHook, clientConfig);
        api.updateNameServerAddressList(namesrvAddr);
        api.start();
    }

    /** The check named "broker". */
    public Readiness.Check check() {
        return new Readiness.Check("broker", timeout, this::probe);
    }

    private String probe() throws Exception {
        TopicRouteData route = api.getTopicRouteInfoFromNameServer(Registry.TOPIC_COUPON_EVENTS, timeout.toMillis(),
                false);
        if (route != null && route.getQueueDatas() != null) {
            for (QueueData q : route.getQueueDatas()) {
                if (q.getWriteQueueNums() > 0 && PermName.isWriteable(q.getPerm())) {
                    return "name server " + namesrvAddr + " routes " + Registry.TOPIC_COUPON_EVENTS + " to "
                            + q.getBrokerName();
                }
            }
        }
        throw new IllegalStateException("name server " + namesrvAddr + " routes " + Registry.TOPIC_COUPON_EVENTS
                + " to no writable queue");
    }

    @Override
    public void close() {
        api.shutdown();
    }
}
