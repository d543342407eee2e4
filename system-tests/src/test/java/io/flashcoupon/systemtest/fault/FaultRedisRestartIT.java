package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Redis restarted (SHUTDOWN, AOF fsynced every second, started again on the same port and directory)
 * while grabs flow; the service keeps running and its one Lettuce connection reconnects. Outages are
 * of two kinds: back at once (commands Lettuce had sent are replayed on the new connection) and held
 * down until the client has seen a number of grabs fail (commands time out, the check-back answers
 * UNKNOW meanwhile). A check-back that answered ROLLBACK for a granted grab would leave a ledger
 * entry without a row.
 */
class FaultRedisRestartIT {
    private static final int STOCK = 800;
    private static final int USERS = 2_000;
    private static final int IN_FLIGHT = 96;
    private static final int RESTARTS = Integer.getInteger("fault.redis.restarts", 3);

    @Test
    void redis_restarts_mid_sale_lose_no_granted_coupon_and_never_roll_back_a_grant() throws Exception {
        FaultRig.run("FaultRedisRestartIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        RedisProcess redis = rig.startRedis();
        rig.resetDatabase();
        ServiceJvms.Service service = rig.embeddedService();
        rig.log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
        Activity sale = rig.startSale(service, STOCK, 1);

        List<String> injected = new ArrayList<>();
        try (GrabLoad load = rig.load(service, sale, USERS, IN_FLIGHT)) {
            load.start();
            for (int k = 1; k <= RESTARTS; k++) {
                rig.awaitGranted(load, rig.faultPoint(k, RESTARTS, STOCK), service::requireAlive);
                // Odd restarts: Redis stalls (DEBUG SLEEP), is shut down while stalled and comes back at once, so
                // grabs it executed last lose their replies and Lettuce replays them on the new connection.
                // Even restarts: plain SHUTDOWN, held down until grabs have failed (their commands time out).
                boolean stall = k % 2 == 1;
                int holdFor = stall ? 0 : 30 + rig.random.nextInt(120);
                long ledger = rig.ledgerSize(sale.id());
                GrabLoad.Snapshot before = load.snapshot();
                long t0 = System.nanoTime();
                boolean stalled = false;
                if (stall) {
                    stalled = redis.stallThenShutdown(Duration.ofMillis(1_000), Duration.ofSeconds(30));
                } else {
                    redis.shutdown(Duration.ofSeconds(30));
                }
                GrabLoad.Snapshot down = load.snapshot();
                rig.log("REDIS %s %d after %d grabs answered, %d coupons granted to the client (ledger %d),"
                        + " %d grabs in flight; held down for %d failed grabs",
                        stall ? (stalled ? "STALL+SHUTDOWN" : "SHUTDOWN (stall not observed)") : "SHUTDOWN",
                        k, before.answered(), before.granted(), ledger, before.inFlight(), holdFor);
                if (holdFor > 0) {
                    await("client sees " + holdFor + " grabs fail while Redis is down").atMost(Duration.ofMinutes(1))
                            .pollInterval(Duration.ofMillis(5))
                            .until(() -> {
                                service.requireAlive();
                                return failures(load.snapshot().outcomesSince(down)) >= holdFor;
                            });
                }
                redis.start(Duration.ofSeconds(30));
                long downMs = (System.nanoTime() - t0) / 1_000_000;
                GrabLoad.Snapshot restarted = load.snapshot();
                await("grants flow again after the Redis restart").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            service.requireAlive();
                            return load.grantedCoupons() > restarted.granted() || load.outcome("SOLD_OUT") > 0;
                        });
                GrabLoad.Snapshot flowing = load.snapshot();
                injected.add(String.format("%s Redis %s + start #%d at %d coupons granted / %d grabs answered, %d in"
                        + " flight; down %d ms; client saw from SHUTDOWN to grants flowing again (%d ms) %s",
                        rig.at(before), stalled ? "stall 1 s + SHUTDOWN" : "SHUTDOWN", k,
                        before.granted(), before.answered(), before.inFlight(), downMs,
                        (flowing.nanos() - before.nanos()) / 1_000_000, flowing.outcomesSince(before)));
                long ledgerAfter = rig.ledgerSize(sale.id());
                rig.log("REDIS BACK %d after %d ms down (ledger %d before the shutdown, %d now)", k, downMs, ledger,
                        ledgerAfter);
                assertThat(ledgerAfter).as("grants kept across SHUTDOWN (AOF)").isGreaterThanOrEqualTo(ledger);
            }
            rig.finishLoad(load, service::requireAlive, injected);
            rig.verify(sale, load, Duration.ofSeconds(90));
        }
    }

    private static long failures(Map<String, Long> outcomes) {
        return outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("UNAVAILABLE")
                || e.getKey().equals("DEADLINE_EXCEEDED")).mapToLong(Map.Entry::getValue).sum();
    }
}
