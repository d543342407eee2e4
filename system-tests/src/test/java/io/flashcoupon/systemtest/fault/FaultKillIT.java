package io.flashcoupon.systemtest.fault;

import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the whole service (ingress, topology and its embedded broker) during a sale under load,
 * restarted each time on the same ports and broker store; per_user_limit 2, half the users with
 * request_ids. After every restart the request_ids answered before are asked again. Nothing repairs in
 * the background (periodic reconciliation off): a grant whose event was lost shows as a GRANTED answer
 * without a row, or as rows + remaining below the total.
 */
class FaultKillIT {
    private static final int STOCK = 800;
    private static final int LIMIT = 2;
    private static final int KILLS = Integer.getInteger("fault.kills", 2);

    @Test
    void kill_9_of_the_service_mid_sale_loses_no_granted_coupon_and_keeps_every_request_outcome() throws Exception {
        FaultRig.run("FaultKillIT-mid-sale", rig -> {
            ServiceJvms.Service service = rig.startWithEmbeddedBroker();
            Activity sale = rig.startSale(service, STOCK, LIMIT);
            List<String> injected = new ArrayList<>();
            try (GrabLoad load = rig.load(service, sale)) {
                load.start();
                for (int k = 1; k <= KILLS; k++) {
                    rig.awaitGranted(load, rig.faultPoint(k, KILLS, STOCK), service::requireAlive);
                    injected.add(rig.killAndRestart(service, load, "mid-sale #" + k));
                }
                rig.finish(service, sale, load, injected);
            }
        });
    }

    /**
     * The service is killed twice with its sink inside a flush. First while the sink's INSERT of a polled
     * batch waits for a lock the test holds in MySQL: the batch is neither committed nor acknowledged.
     * Then while a batch held the same way commits: the lock is let go and the service killed as soon as
     * the rows show, before or while the sink acknowledges them. The embedded broker dies too and loses
     * the consumer offsets it had not flushed, so grants already written come again. After the restarts
     * every grant must be exactly one row.
     */
    @Test
    void kill_9_while_the_sink_flushes_lands_every_row_exactly_once() throws Exception {
        FaultRig.run("FaultKillIT-sink-flush", rig -> {
            ServiceJvms.Service service = rig.startWithEmbeddedBroker();
            Activity sale = rig.startSale(service, STOCK, LIMIT);
            UserCouponRepository rows = new UserCouponRepository(rig.db());
            List<String> injected = new ArrayList<>();
            try (GrabLoad load = rig.load(service, sale)) {
                load.start();

                // The lock is taken before the fault point: at group-commit speed the rest of the sale can be
                // granted and written in less time than it takes to see the grants reach the fault point,
                // and then no INSERT would come to wait for a lock taken after it.
                SinkWriteStall first = new SinkWriteStall(rig.db(), FaultRig.DB);
                rig.awaitGranted(load, rig.faultPoint(1, 2, STOCK), service::requireAlive);
                awaitSinkHeld(rig, first);
                // The lock goes once the service is dead: the killed INSERT then runs into a connection
                // that is gone, and MySQL rolls its transaction back. A second lock is taken while the
                // service is down, so the restarted sink's first INSERT - the redelivered batch - waits
                // for it: the sale may well be sold out by then, and no later INSERT would come.
                SinkWriteStall[] second = new SinkWriteStall[1];
                injected.add(rig.killAndRestart(service, load, "the sink's INSERT of a batch waiting, "
                        + rows.countByActivity(sale.id()) + " rows written", () -> {
                            first.close();
                            second[0] = new SinkWriteStall(rig.db(), FaultRig.DB);
                        }));

                SinkWriteStall stall = second[0];
                try {
                    rig.log("the restarted sink's INSERT seen waiting for the lock above row id %d: %s...",
                            stall.aboveId, stall.awaitSinkWaiting(Duration.ofSeconds(30)));
                } catch (RuntimeException | AssertionError e) {
                    stall.close();
                    throw e;
                }
                long held = rows.countByActivity(sale.id());
                stall.close();
                long[] seen = {held};
                await("the held batch commits").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                        .until(() -> {
                            seen[0] = rows.countByActivity(sale.id());
                            return seen[0] > held;
                        });
                injected.add(rig.killAndRestart(service, load, "the sink's held batch just committed: rows " + held
                        + " -> " + seen[0]));
                rig.finish(service, sale, load, injected);
            }
        });
    }

    /** Waits until the sink's INSERT waits for {@code stall}'s lock; lets the lock go if it never does. */
    private static void awaitSinkHeld(FaultRig rig, SinkWriteStall stall) throws Exception {
        long t0 = System.nanoTime();
        try {
            String waiter = stall.awaitSinkWaiting(Duration.ofSeconds(30));
            rig.log("the sink's INSERT seen waiting for the lock above row id %d %d ms after the fault point: %s...",
                    stall.aboveId, (System.nanoTime() - t0) / 1_000_000, waiter);
        } catch (RuntimeException | AssertionError e) {
            stall.close();
            throw e;
        }
    }
}
