package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.AsyncGrabs;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingSerializable;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.filter.FilterAPI;
import org.apache.rocketmq.remoting.protocol.header.GetConsumerListByGroupRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.GetConsumerListByGroupResponseBody;
import org.apache.rocketmq.remoting.protocol.header.HeartbeatRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.namesrv.GetRouteInfoRequestHeader;
import org.apache.rocketmq.remoting.protocol.heartbeat.ConsumeType;
import org.apache.rocketmq.remoting.protocol.heartbeat.ConsumerData;
import org.apache.rocketmq.remoting.protocol.heartbeat.HeartbeatData;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

/**
 * After a broker kill -9 and restart, the broker can hold a dead channel of the service's materializer
 * next to its new one (until the channel expires, two minutes later) and then lists the consumer's client
 * id twice. Here a second connection registers the service's own client id in the materializer's group,
 * which is what the broker holds then; the grants of a sale must still all become rows, with nothing
 * waiting for the ghost to expire. Before DistinctClientAllocation the consumer took half of the queues
 * and the other half went to nobody (FaultBrokerRestartIT, CI of 2026-12-07: 90 grants without a row).
 */
class MaterializerGhostChannelIT {
    private static final int STOCK = 400;

    @Test
    void a_consumer_the_broker_lists_twice_still_materializes_every_queue() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        try (Ghost ghost = new Ghost(h.service.namesrvAddr())) {
            List<String> live = ghost.clientIds(Registry.GROUP_MATERIALIZER);
            assertThat(live).as("the materializer's consumers before the ghost").hasSize(1);
            ghost.register(live.get(0));
            await("the broker lists the materializer twice").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> ghost.clientIds(Registry.GROUP_MATERIALIZER), ids -> ids.size() == 2);

            Activity sale = h.runningSale(STOCK, 1);
            List<FlashSaleRequest> calls = LongStream.range(0, STOCK).mapToObj(i -> FlashSaleRequest.newBuilder()
                    .setActivityId(sale.id()).setUserId(7_100_000L + i).build()).toList();
            AsyncGrabs.Run run = AsyncGrabs.run(h.async, calls, 32, Duration.ofSeconds(30), Duration.ofSeconds(120));
            assertThat(run.errors()).as("grab errors").isEmpty();
            assertThat(run.responses()).allMatch(r -> r.getCode() == GrabCode.GRANTED);

            // Every queue of the topic carried some of the 400 events; all of them must become rows while the
            // ghost is still registered.
            SaleInvariants.check(h, sale.id(), STOCK, 1, Duration.ofSeconds(30));
        }
    }

    /** A bare remoting connection that registers a client id as a consumer of a group, and unregisters it by closing. */
    private static final class Ghost implements AutoCloseable {
        private final NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
        private final String broker;

        Ghost(String namesrv) throws Exception {
            client.start();
            GetRouteInfoRequestHeader header = new GetRouteInfoRequestHeader();
            header.setTopic(Registry.TOPIC_COUPON_EVENTS);
            RemotingCommand route = ok(client.invokeSync(namesrv,
                    RemotingCommand.createRequestCommand(RequestCode.GET_ROUTEINFO_BY_TOPIC, header), 5_000));
            broker = RemotingSerializable.decode(route.getBody(), TopicRouteData.class).getBrokerDatas().get(0)
                    .selectBrokerAddr();
        }

        List<String> clientIds(String group) throws Exception {
            GetConsumerListByGroupRequestHeader header = new GetConsumerListByGroupRequestHeader();
            header.setConsumerGroup(group);
            RemotingCommand reply = ok(client.invokeSync(broker,
                    RemotingCommand.createRequestCommand(RequestCode.GET_CONSUMER_LIST_BY_GROUP, header), 5_000));
            return RemotingSerializable.decode(reply.getBody(), GetConsumerListByGroupResponseBody.class)
                    .getConsumerIdList();
        }

        void register(String clientId) throws Exception {
            ConsumerData consumer = new ConsumerData();
            consumer.setGroupName(Registry.GROUP_MATERIALIZER);
            consumer.setConsumeType(ConsumeType.CONSUME_ACTIVELY);
            consumer.setMessageModel(MessageModel.CLUSTERING);
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            consumer.getSubscriptionDataSet().add(
                    FilterAPI.buildSubscriptionData(Registry.TOPIC_COUPON_EVENTS, Registry.TAG_COUPON_GRABBED));
            HeartbeatData heartbeat = new HeartbeatData();
            heartbeat.setClientID(clientId);
            heartbeat.getConsumerDataSet().add(consumer);
            RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.HEART_BEAT,
                    new HeartbeatRequestHeader());
            request.setBody(heartbeat.encode());
            ok(client.invokeSync(broker, request, 5_000));
        }

        private static RemotingCommand ok(RemotingCommand reply) {
            assertThat(reply.getCode()).as("broker reply: %s", reply.getRemark()).isEqualTo(ResponseCode.SUCCESS);
            return reply;
        }

        @Override
        public void close() {
            client.shutdown();
        }
    }
}
