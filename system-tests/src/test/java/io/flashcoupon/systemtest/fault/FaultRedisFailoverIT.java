package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.systemtest.support.RedisCluster;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The service on a Redis Cluster of three masters with a replica each; kill -9 of the master that
 * serves the sale's slot while grabs flow, so its replica is promoted and the service (Lettuce's
 * topology refresh) moves on to it. The service runs with redis.durability-replicas 1: every answer
 * waits for WAIT 1 on the master that made the write, so the replica holds every grant the clients
 * were told about, and the failover loses nothing acknowledged. The promoted master has no replica of
 * its own until the killed node is started again and rejoins as one; until then no grab can be
 * acknowledged (outcome unknown, retryable), which the test goes through too. Neither fence checks nor
 * reconciliation run, so nothing re-adds a lost grant: a promoted replica without an acknowledged
 * grant would sell its coupon again (rows + remaining above the total), let its user past the limit,
 * or answer its request_id differently. Per_user_limit 2, half the users with request_ids. The second
 * test splits the sale into three segments (one per master) and kills the master of the first: the
 * other segments keep selling and lending, and a borrow cut by the kill leaves at most a chunk in
 * flight, which the last borrowers complete (reconciliation is off).
 */
class FaultRedisFailoverIT {
    private static final int STOCK = 800;
    private static final int LIMIT = 2;

    @Test
    void a_killed_master_fails_over_to_its_replica_and_nothing_acknowledged_is_lost() throws Exception {
        FaultRig.run("FaultRedisFailoverIT", rig -> run(rig, 1));
    }

    @Test
    void a_sale_split_over_three_masters_survives_the_kill_of_one_of_them() throws Exception {
        FaultRig.run("FaultRedisFailoverIT-split", rig -> run(rig, 3));
    }

    private void run(FaultRig rig, int segments) throws Exception {
        rig.config.put("redis.durability", "fsync-always");
        rig.config.put("redis.durability-replicas", "1");
        ServiceJvms.Service service = rig.startWithEmbeddedBrokerOnCluster();
        RedisCluster cluster = rig.redisCluster();
        Activity sale = rig.startSale(service, STOCK, LIMIT, segments);
        String saleKey = Registry.saleKey(Segment.of(sale.id(), 0, segments));
        if (segments > 1) {
            List<String> masters = new ArrayList<>();
            for (Segment s : Segment.all(sale.id(), segments)) {
                masters.add(s + " on 127.0.0.1:" + cluster.masterServing(Registry.saleKey(s)).port);
            }
            rig.log("SEGMENTS: %s", masters);
        }

        List<String> injected = new ArrayList<>();
        try (GrabLoad load = rig.load(service, sale)) {
            load.start();
            rig.awaitGranted(load, rig.faultPoint(1, 1, STOCK), service::requireAlive);
            RedisProcess master = cluster.masterServing(saleKey);
            GrabLoad.Snapshot before = load.snapshot();
            long t0 = System.nanoTime();
            master.kill();
            rig.log("REDIS MASTER KILL: kill -9 of 127.0.0.1:%d (master of %s) at %d coupons told GRANTED, %d grabs"
                    + " in flight", master.port, saleKey, before.granted(), before.inFlight());
            await("a replica is promoted to serve " + saleKey).atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> cluster.masterServing(saleKey) != master);
            RedisProcess promoted = cluster.masterServing(saleKey);
            cluster.awaitHealthy(Duration.ofMinutes(1));
            long promotedMs = (System.nanoTime() - t0) / 1_000_000;
            rig.log("PROMOTED: 127.0.0.1:%d serves %s after %d ms; it has no replica, so WAIT 1 cannot be met and"
                    + " no grant can be acknowledged until the killed node is back", promoted.port, saleKey, promotedMs);
            GrabLoad.Snapshot replicaless = load.snapshot();
            master.start(Duration.ofSeconds(30));
            await("the killed node rejoins as the replica of 127.0.0.1:" + promoted.port).atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> cluster.role(master).equals("slave") && cluster.replicaInSync(promoted));
            long rejoinedMs = (System.nanoTime() - t0) / 1_000_000;
            GrabLoad.Snapshot rejoined = load.snapshot();
            rig.log("REJOINED: 127.0.0.1:%d is the replica of 127.0.0.1:%d, %d ms after the kill; without a replica"
                    + " the clients saw %s", master.port, promoted.port, rejoinedMs, rejoined.outcomesSince(replicaless));
            rig.awaitGrantsFlow(load, rejoined, "the failover", service::requireAlive);
            GrabLoad.Snapshot flowing = load.snapshot();
            int reasked = load.reaskSettled();
            assertThat(cluster.role(promoted)).as("the promoted replica's role").isEqualTo("master");
            injected.add(String.format("%s kill -9 of Redis master 127.0.0.1:%d serving %s at %d coupons told"
                    + " GRANTED, %d grabs in flight; replica 127.0.0.1:%d promoted after %d ms; the killed node"
                    + " restarted and back as its replica after %d ms; from the kill to grants flowing again (%d ms)"
                    + " the clients saw %s; then %d answered request_ids asked again", rig.at(before), master.port,
                    saleKey, before.granted(), before.inFlight(), promoted.port, promotedMs, rejoinedMs,
                    (flowing.nanos() - before.nanos()) / 1_000_000, flowing.outcomesSince(before), reasked));
            rig.finish(service, sale, load, injected);
        }
    }
}
