package io.flashcoupon.systemtest.fault;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the whole service (ingress, topology and its embedded broker) at random moments of a
 * sale under load, restarted each time on the same ports and broker store. Half messages stored before
 * a kill are resolved by the check-back, which the broker sends to the restarted producer (same group);
 * a grant whose event never committed would show as a ledger entry without a row.
 */
class FaultKillIT {
    private static final int STOCK = 800;
    private static final int USERS = 2_000;
    private static final int IN_FLIGHT = 96;
    private static final int KILLS = Integer.getInteger("fault.kills", 3);

    @Test
    void kill_9_of_the_service_mid_sale_loses_no_granted_coupon_and_oversells_nothing() throws Exception {
        FaultRig.run("FaultKillIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        rig.startRedis();
        rig.resetDatabase();
        ServiceJvms.Service service = rig.embeddedService();
        rig.log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
        Activity sale = rig.startSale(service, STOCK, 1);

        List<String> injected = new ArrayList<>();
        try (GrabLoad load = rig.load(service, sale, USERS, IN_FLIGHT)) {
            load.start();
            for (int k = 1; k <= KILLS; k++) {
                rig.awaitGranted(load, rig.faultPoint(k, KILLS, STOCK), service::requireAlive);
                long ledger = rig.ledgerSize(sale.id());
                long pid = service.pid();
                GrabLoad.Snapshot before = load.snapshot();
                service.kill();
                GrabLoad.Snapshot killed = load.snapshot();
                rig.log("KILL %d: kill -9 pid %d after %d grabs answered, %d coupons granted to the client"
                        + " (ledger %d), %d grabs in flight", k, pid, before.answered(), before.granted(), ledger,
                        before.inFlight());
                Duration restart = service.start(Duration.ofMinutes(2));
                rig.channel(service).resetConnectBackoff();
                GrabLoad.Snapshot ready = load.snapshot();
                injected.add(String.format("%s kill -9 #%d at %d coupons granted / %d grabs answered, %d grabs in"
                        + " flight; down %d ms; client saw from the kill to ready %s", rig.at(before), k,
                        before.granted(), before.answered(), before.inFlight(), restart.toMillis(),
                        ready.outcomesSince(killed)));
                rig.log("RESTARTED %d in %d ms (ledger now %d)", k, restart.toMillis(), rig.ledgerSize(sale.id()));
            }
            rig.finishLoad(load, service::requireAlive, injected);
            rig.verify(sale, load, Duration.ofSeconds(90));
        }
    }
}
