package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The broker as an external cluster (BrokerMain, its own process) and the service against it. First
 * kill -9 of the broker mid-sale, restarted on the same store and ports: while it is down a grab cannot
 * store its half message, so it answers UNAVAILABLE and grants nothing; half messages stored before the
 * crash are resolved by the check-back once the broker is back. Then kill -9 of the service, kept down
 * for a long outage (~50 s) while the broker keeps checking back its open half messages with no producer
 * to ask; they must still be resolved (committed for grants in the ledger) once the service is back.
 */
class FaultBrokerRestartIT {
    private static final int STOCK = 800;
    private static final int USERS = 2_000;
    private static final int IN_FLIGHT = 96;
    private static final int KILLS = Integer.getInteger("fault.broker.kills", 2);
    /** Failed grabs the client sees while the service is down: at its 2 s back-off, about 50 s. */
    private static final int INGRESS_OUTAGE_FAILURES = 2_400;

    @Test
    void broker_and_ingress_kill_9_mid_sale_grant_nothing_while_down_and_lose_no_granted_coupon() throws Exception {
        FaultRig.run("FaultBrokerRestartIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        rig.startRedis();
        rig.resetDatabase();
        ServiceJvms.Broker broker = rig.broker();
        rig.log("broker ready in %d ms", broker.start(Duration.ofMinutes(2)).toMillis());
        ServiceJvms.Service service = rig.externalBrokerService(broker);
        rig.log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
        Activity sale = rig.startSale(service, STOCK, 1);

        List<String> injected = new ArrayList<>();
        try (GrabLoad load = rig.load(service, sale, USERS, IN_FLIGHT)) {
            load.start();
            for (int k = 1; k <= KILLS; k++) {
                rig.awaitGranted(load, rig.faultPoint(k, KILLS + 1, STOCK), service::requireAlive);
                long ledger = rig.ledgerSize(sale.id());
                GrabLoad.Snapshot before = load.snapshot();
                long t0 = System.nanoTime();
                broker.kill();
                rig.log("BROKER KILL %d: kill -9 after %d grabs answered, %d coupons granted to the client (ledger %d),"
                        + " %d grabs in flight", k, before.answered(), before.granted(), ledger, before.inFlight());

                // Down: once the grabs in flight at the kill are answered, every grab stores no half message,
                // so it must answer UNAVAILABLE and grant nothing, in the ledger or to the client.
                int settle = 20 + rig.random.nextInt(40);
                int hold = 50 + rig.random.nextInt(150);
                await("grabs in flight at the kill are answered and new ones refused").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            service.requireAlive();
                            return load.answeredAllSentBy(before)
                                    && refused(load.snapshot().outcomesSince(before)) >= settle;
                        });
                GrabLoad.Snapshot downFrom = load.snapshot();
                long ledgerDownFrom = rig.ledgerSize(sale.id());
                await(hold + " more grabs refused while the broker is down").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            service.requireAlive();
                            return refused(load.snapshot().outcomesSince(downFrom)) >= hold;
                        });
                GrabLoad.Snapshot downTo = load.snapshot();
                long ledgerDownTo = rig.ledgerSize(sale.id());
                Map<String, Long> whileDown = downTo.outcomesSince(downFrom);
                assertThat(ledgerDownTo).as("ledger while the broker is down").isEqualTo(ledgerDownFrom);
                assertThat(whileDown.keySet()).as("client answers while the broker is down")
                        .containsOnly("UNAVAILABLE(nothing granted)");

                Duration restart = broker.start(Duration.ofMinutes(2));
                long downMs = (System.nanoTime() - t0) / 1_000_000;
                GrabLoad.Snapshot restarted = load.snapshot();
                await("grants flow again after the broker restart").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            service.requireAlive();
                            return load.grantedCoupons() > restarted.granted() || load.outcome("SOLD_OUT") > 0;
                        });
                GrabLoad.Snapshot flowing = load.snapshot();
                injected.add(String.format("%s broker kill -9 #%d at %d coupons granted / %d grabs answered, %d in"
                        + " flight; down %d ms (restart took %d ms); while down the client saw %s and the ledger stayed"
                        + " at %d; from the kill to grants flowing again (%d ms) %s", rig.at(before), k,
                        before.granted(), before.answered(), before.inFlight(), downMs, restart.toMillis(), whileDown,
                        ledgerDownTo, (flowing.nanos() - before.nanos()) / 1_000_000, flowing.outcomesSince(before)));
                rig.log("BROKER BACK %d after %d ms down; grants flowing again %d ms after the restart", k, downMs,
                        (flowing.nanos() - restarted.nanos()) / 1_000_000);
            }
            // The ingress (the only producer of the group) dies and stays away while the broker keeps
            // checking back the half messages it left open.
            rig.awaitGranted(load, rig.faultPoint(KILLS + 1, KILLS + 1, STOCK), service::requireAlive);
            long ledger = rig.ledgerSize(sale.id());
            GrabLoad.Snapshot before = load.snapshot();
            long t0 = System.nanoTime();
            service.kill();
            rig.log("SERVICE KILL: kill -9 after %d grabs answered, %d coupons granted to the client (ledger %d),"
                    + " %d grabs in flight; held down for %d failed grabs", before.answered(), before.granted(), ledger,
                    before.inFlight(), INGRESS_OUTAGE_FAILURES);
            await("client sees " + INGRESS_OUTAGE_FAILURES + " grabs fail while the service is down")
                    .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> refused(load.snapshot().outcomesSince(before)) >= INGRESS_OUTAGE_FAILURES);
            long downFor = (System.nanoTime() - t0) / 1_000_000;
            Duration restart = service.start(Duration.ofMinutes(2));
            rig.channel(service).resetConnectBackoff();
            GrabLoad.Snapshot ready = load.snapshot();
            injected.add(String.format("%s service kill -9 at %d coupons granted / %d grabs answered, %d in flight;"
                    + " down %d ms (%d ms before the restart began, restart %d ms); client saw from the kill to ready"
                    + " %s", rig.at(before), before.granted(), before.answered(), before.inFlight(),
                    downFor + restart.toMillis(),
                    downFor, restart.toMillis(), ready.outcomesSince(before)));
            rig.log("SERVICE BACK after %d ms down (ledger now %d)", downFor + restart.toMillis(),
                    rig.ledgerSize(sale.id()));

            rig.finishLoad(load, service::requireAlive, injected);
            rig.verify(sale, load, Duration.ofSeconds(90));
        }
    }

    private static long refused(Map<String, Long> outcomes) {
        return outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("UNAVAILABLE"))
                .mapToLong(Map.Entry::getValue).sum();
    }
}
