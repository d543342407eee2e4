package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two service instances on one Redis Cluster and one broker, the crowd spread over both as a gateway
 * would (round robin, a dead instance passed over): instance A runs every role, instance B only the
 * ingress, each with its own leased node id. kill -9 of B mid-sale, held down while A takes the grabs,
 * then B restarted. Neither fence checks nor reconciliation run. After the sale: no oversell, nobody
 * above the limit, every GRANTED answer exactly one row, every request_id answered with its first
 * outcome, and the two instances leased different node ids (an sn is never made twice).
 */
class FaultIngressKillIT {
    private static final int STOCK = 800;
    private static final int LIMIT = 2;
    private static final Pattern LEASED = Pattern.compile("node id (\\d+) leased by");

    @Test
    void an_ingress_instance_killed_mid_sale_loses_nothing_and_the_other_carries_on() throws Exception {
        FaultRig.run("FaultIngressKillIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        // the cluster's replicas may be promoted: every acknowledged write waits until one has it
        rig.config.put("redis.durability-replicas", "1");
        FaultRig.OnBroker a = rig.startOnClusterWithExternalBroker();
        ServiceJvms.Service b = rig.ingressOnly(a.broker(), "ingress-b");
        rig.log("ingress-b ready in %d ms", b.start(Duration.ofMinutes(3)).toMillis());
        int idA = leasedNodeId(a.service());
        int idB = leasedNodeId(b);
        rig.log("node ids leased: service %d, ingress-b %d", idA, idB);
        assertThat(idB).as("the second instance's leased node id").isNotEqualTo(idA);

        ManagedChannel toA = ManagedChannelBuilder.forAddress("127.0.0.1", a.service().grpcPort).usePlaintext().build();
        ManagedChannel toB = ManagedChannelBuilder.forAddress("127.0.0.1", b.grpcPort).usePlaintext().build();
        Activity sale = rig.startSale(a.service(), STOCK, LIMIT);
        List<String> injected = new ArrayList<>();
        Runnable alive = a.service()::requireAlive;
        try (GrabLoad load = rig.load(new InstanceChannel(List.of(toA, toB)), sale)) {
            load.start();
            rig.awaitGranted(load, rig.faultPoint(1, 2, STOCK), alive);
            GrabLoad.Snapshot before = load.snapshot();
            b.kill();
            rig.log("INGRESS KILL: kill -9 of ingress-b at %d coupons told GRANTED, %d grabs in flight",
                    before.granted(), before.inFlight());
            rig.awaitGranted(load, rig.faultPoint(2, 2, STOCK), alive);
            GrabLoad.Snapshot down = load.snapshot();
            Duration restart = b.start(Duration.ofMinutes(3));
            toB.resetConnectBackoff();
            int reasked = load.reaskSettled();
            GrabLoad.Snapshot back = load.snapshot();
            int idAgain = leasedNodeId(b);
            rig.log("INGRESS BACK in %d ms, node id %d; %d answered request_ids asked again", restart.toMillis(),
                    idAgain, reasked);
            assertThat(idAgain).as("the restarted instance's node id").isNotEqualTo(idA);
            injected.add(String.format("%s kill -9 of ingress-b (node id %d) at %d coupons told GRANTED, %d grabs in"
                    + " flight; while it was down the service alone answered %s; restarted in %d ms (node id %d),"
                    + " the clients saw %s meanwhile; then %d answered request_ids asked again", rig.at(before), idB,
                    before.granted(), before.inFlight(), down.outcomesSince(before), restart.toMillis(), idAgain,
                    back.outcomesSince(down), reasked));
            rig.finish(a.service(), sale, load, injected);
        } finally {
            toA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            toB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The node id the process leased in its current run, from its log. */
    private static int leasedNodeId(ServiceJvms.Service service) {
        for (String line : service.logOfThisRun()) {
            Matcher m = LEASED.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new IllegalStateException("the service's log of this run names no leased node id");
    }
}
