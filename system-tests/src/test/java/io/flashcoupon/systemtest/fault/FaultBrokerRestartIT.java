package io.flashcoupon.systemtest.fault;

import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The broker as an external cluster (BrokerMain, its own process) and the service against it;
 * per_user_limit 2, half the users with request_ids. kill -9 of the broker while grants are being
 * committed, held down until the clients have seen grabs fail, restarted on the same store and ports;
 * then the request_ids answered before are asked again. Whatever the clients are answered while the
 * broker is down, a grant they were told of must become its row once it is back, with nothing in the
 * background re-publishing (periodic reconciliation off).
 */
class FaultBrokerRestartIT {
    private static final int STOCK = 800;
    private static final int LIMIT = 2;
    private static final int KILLS = Integer.getInteger("fault.broker.kills", 2);

    @Test
    void broker_kill_9_during_commits_loses_no_granted_coupon_and_keeps_every_request_outcome() throws Exception {
        FaultRig.run("FaultBrokerRestartIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        FaultRig.OnBroker started = rig.startWithExternalBroker();
        ServiceJvms.Broker broker = started.broker();
        ServiceJvms.Service service = started.service();
        Activity sale = rig.startSale(service, STOCK, LIMIT);

        List<String> injected = new ArrayList<>();
        try (GrabLoad load = rig.load(service, sale)) {
            load.start();
            for (int k = 1; k <= KILLS; k++) {
                rig.awaitGranted(load, rig.faultPoint(k, KILLS, STOCK), service::requireAlive);
                GrabLoad.Snapshot before = load.snapshot();
                long t0 = System.nanoTime();
                broker.kill();
                rig.log("BROKER KILL %d: kill -9 at %d coupons told GRANTED, %d grabs in flight", k, before.granted(),
                        before.inFlight());
                // Down until the grabs in flight at the kill are answered and more grabs met the dead broker
                // (answered with whatever the service answers then: no particular status is assumed).
                int hold = 50 + rig.random.nextInt(150);
                await("grabs in flight at the kill answered, and " + hold + " more").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            service.requireAlive();
                            return load.answeredAllSentBy(before) && load.snapshot().answered() - before.answered()
                                    >= before.inFlight() + hold;
                        });
                GrabLoad.Snapshot down = load.snapshot();
                Duration restart = broker.start(Duration.ofMinutes(2));
                long downMs = (System.nanoTime() - t0) / 1_000_000;
                GrabLoad.Snapshot restarted = load.snapshot();
                rig.awaitGrantsFlow(load, restarted, "the broker restart", service::requireAlive);
                int reasked = load.reaskSettled();
                GrabLoad.Snapshot flowing = load.snapshot();
                injected.add(String.format("%s broker kill -9 #%d at %d coupons told GRANTED, %d grabs in flight;"
                        + " down %d ms (restart %d ms); while down the clients saw %s; from the restart to grants"
                        + " flowing again (%d ms) %s; then %d answered request_ids asked again", rig.at(before), k,
                        before.granted(), before.inFlight(), downMs, restart.toMillis(), down.outcomesSince(before),
                        (flowing.nanos() - restarted.nanos()) / 1_000_000, flowing.outcomesSince(restarted), reasked));
                rig.log("BROKER BACK %d after %d ms down", k, downMs);
            }
            rig.finish(service, sale, load, injected);
        }
    }
}
