package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.admin.TopicOffset;
import org.apache.rocketmq.remoting.protocol.admin.TopicStatsTable;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

/**
 * The service against a RocketMQ cluster: a name server and two master brokers (broker-a, broker-b), each
 * a process of its own (BrokerMain --role), rocketmq.embedded false, a queue count from configuration
 * (rocketmq.queues.coupon-events 6). Provisioning must create every topic on both brokers with the
 * configured counts. A sale with per_user_limit 2, half the users with request_ids; one broker, drawn at
 * random, is killed with kill -9 while grants are being committed, held down while the clients keep
 * grabbing (the survivor must take grants meanwhile), restarted on its store and port; then the
 * request_ids answered before are asked again.
 * Periodic reconciliation is off, so nothing re-publishes a grant from the ledger: a batch whose send met
 * the dead broker stays in the sale's publication outbox and the relay sends it again to a broker that
 * answers (grab batches are plain sends, not half messages). Then the black-box checks of every fault test
 * (no oversell, nobody above the limit, every GRANTED answer exactly one row with its coupon_sn, no row for
 * a refused grab) and, from each broker's offsets, that both brokers carried coupon-events.
 */
class FaultBrokerClusterIT {
    private static final int STOCK = 800;
    private static final int LIMIT = 2;
    private static final int EVENT_QUEUES = 6;
    private static final List<String> BROKERS = List.of("broker-a", "broker-b");

    @Test
    void one_of_two_brokers_killed_mid_sale_loses_no_granted_coupon_and_both_carry_grants() throws Exception {
        FaultRig.run("FaultBrokerClusterIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        rig.config.put("rocketmq.queues." + Registry.TOPIC_COUPON_EVENTS, Integer.toString(EVENT_QUEUES));
        // provisioning waits until the name server lists both masters (a later one would get no topic)
        rig.config.put("rocketmq.min-masters", Integer.toString(BROKERS.size()));
        FaultRig.OnCluster cluster = rig.startWithBrokerCluster(BROKERS);
        ServiceJvms.Service service = cluster.service();
        MQClientAPIImpl admin = admin(cluster.namesrv().addr());
        try {
            Map<String, Map<String, Integer>> routes = new TreeMap<>();
            for (Registry.TopicSpec topic : Registry.TOPICS) {
                routes.put(topic.name(), writeQueuesByBroker(admin, topic.name()));
            }
            rig.log("found: routes after the service's provisioning (topic -> broker -> write queues): %s", routes);
            for (Registry.TopicSpec topic : Registry.TOPICS) {
                int expected = topic.name().equals(Registry.TOPIC_COUPON_EVENTS) ? EVENT_QUEUES : topic.queues();
                assertThat(routes.get(topic.name())).as("topic %s on every broker with its configured queues",
                        topic.name()).isEqualTo(Map.of("broker-a", expected, "broker-b", expected));
            }

            Activity sale = rig.startSale(service, STOCK, LIMIT);
            ServiceJvms.Broker victim = cluster.brokers().get(rig.random.nextInt(BROKERS.size()));
            ServiceJvms.Broker survivor = cluster.brokers().stream().filter(b -> b != victim).findFirst().orElseThrow();
            List<String> injected = new ArrayList<>();
            try (GrabLoad load = rig.load(service, sale)) {
                load.start();
                rig.awaitGranted(load, rig.faultPoint(1, 1, STOCK), service::requireAlive);
                long survivorAtKill = messages(admin, survivor);
                GrabLoad.Snapshot before = load.snapshot();
                long t0 = System.nanoTime();
                long pid = victim.pid();
                victim.kill();
                rig.log("BROKER KILL: kill -9 of %s (pid %d) at %d coupons told GRANTED, %d grabs in flight;"
                        + " %s holds %d coupon-events", victim.brokerName, pid, before.granted(), before.inFlight(),
                        survivor.brokerName, survivorAtKill);
                // Down until the grabs in flight at the kill are answered and more grabs met the dead broker
                // (answered with whatever the service answers then: no particular status is assumed).
                int hold = 50 + rig.random.nextInt(150);
                await("grabs in flight at the kill answered, and " + hold + " more").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            service.requireAlive();
                            return load.answeredAllSentBy(before)
                                    && load.snapshot().answered() - before.answered() >= before.inFlight() + hold;
                        });
                Duration restart = victim.start(Duration.ofMinutes(2));
                long downMs = (System.nanoTime() - t0) / 1_000_000;
                GrabLoad.Snapshot restarted = load.snapshot();
                long survivorWhileDown = messages(admin, survivor) - survivorAtKill;
                rig.awaitGrantsFlow(load, restarted, "the restart", service::requireAlive);
                int reasked = load.reaskSettled();
                GrabLoad.Snapshot flowing = load.snapshot();
                injected.add(String.format("%s kill -9 of %s at %d coupons told GRANTED, %d grabs in flight; down %d ms"
                        + " (restart %d ms); from the kill until it was back the clients saw %s and %s stored %d"
                        + " coupon-events; from the"
                        + " restart to grants flowing again (%d ms) %s; then %d answered request_ids asked again",
                        rig.at(before), victim.brokerName, before.granted(), before.inFlight(), downMs,
                        restart.toMillis(), restarted.outcomesSince(before), survivor.brokerName, survivorWhileDown,
                        (flowing.nanos() - restarted.nanos()) / 1_000_000, flowing.outcomesSince(restarted), reasked));
                rig.log("BROKER BACK: %s after %d ms down", victim.brokerName, downMs);
                rig.finish(service, sale, load, injected);
                assertThat(survivorWhileDown).as("coupon-events %s stored while %s was down", survivor.brokerName,
                        victim.brokerName).isPositive();
            }

            Map<String, Long> perBroker = new TreeMap<>();
            for (ServiceJvms.Broker broker : cluster.brokers()) {
                perBroker.put(broker.brokerName, messages(admin, broker));
            }
            rig.log("found: coupon-events messages per broker: %s", perBroker);
            assertThat(perBroker).as("coupon-events stored on each broker: grants went to both")
                    .allSatisfy((broker, count) -> assertThat(count).as(broker).isPositive());
        } finally {
            admin.shutdown();
        }
    }

    private static MQClientAPIImpl admin(String namesrvAddr) {
        ClientConfig config = new ClientConfig();
        config.setNamesrvAddr(namesrvAddr);
        MQClientAPIImpl admin = new MQClientAPIImpl(new NettyClientConfig(), new ClientRemotingProcessor(null), null,
                config);
        admin.updateNameServerAddressList(namesrvAddr);
        admin.start();
        return admin;
    }

    /** Broker name to the write queue count the name server routes {@code topic} with. */
    private static Map<String, Integer> writeQueuesByBroker(MQClientAPIImpl admin, String topic) throws Exception {
        TopicRouteData route = admin.getTopicRouteInfoFromNameServer(topic, 5_000);
        Map<String, Integer> out = new TreeMap<>();
        for (QueueData queues : route.getQueueDatas()) {
            out.put(queues.getBrokerName(), queues.getWriteQueueNums());
        }
        return out;
    }

    /** Messages {@code broker} stored on coupon-events (the sum of its queues' max offsets). */
    private static long messages(MQClientAPIImpl admin, ServiceJvms.Broker broker) throws Exception {
        TopicStatsTable stats = admin.getTopicStatsInfo(broker.brokerAddr(), Registry.TOPIC_COUPON_EVENTS, 5_000);
        long sum = 0;
        for (TopicOffset offset : stats.getOffsetTable().values()) {
            sum += offset.getMaxOffset();
        }
        return sum;
    }
}
