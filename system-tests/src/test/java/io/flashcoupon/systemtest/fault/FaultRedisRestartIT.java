package io.flashcoupon.systemtest.fault;

import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.ServiceJvms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of Redis (appendfsync always, as the service requires) while grabs flow, started again on
 * the same port and AOF; the service keeps running and its one Lettuce connection reconnects (and
 * re-sends what it had sent without a reply). Per_user_limit 2, half the users with request_ids. The
 * first kill is restarted at once, the second held down until grabs have met the dead Redis. After each
 * restart the request_ids answered before are asked again. Neither fence checks nor reconciliation run,
 * so a Redis that came back without a grant it had acknowledged is not healed: it would sell that coupon
 * again (rows + remaining above the total, or oversell), let its user past the limit, or answer a
 * retried request_id differently.
 */
class FaultRedisRestartIT {
    private static final int STOCK = 800;
    private static final int LIMIT = 2;
    private static final int KILLS = Integer.getInteger("fault.redis.kills", 2);

    @Test
    void redis_kill_9_mid_sale_loses_nothing_acknowledged() throws Exception {
        FaultRig.run("FaultRedisRestartIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        ServiceJvms.Service service = rig.startWithEmbeddedBroker();
        RedisProcess redis = rig.redisProcess();
        Activity sale = rig.startSale(service, STOCK, LIMIT);

        List<String> injected = new ArrayList<>();
        try (GrabLoad load = rig.load(service, sale)) {
            load.start();
            for (int k = 1; k <= KILLS; k++) {
                rig.awaitGranted(load, rig.faultPoint(k, KILLS, STOCK), service::requireAlive);
                // Odd kills: back at once. Even kills: down until grabs have met the dead Redis.
                int hold = k % 2 == 1 ? 0 : 30 + rig.random.nextInt(120);
                GrabLoad.Snapshot before = load.snapshot();
                long t0 = System.nanoTime();
                redis.kill();
                rig.log("REDIS KILL %d: kill -9 at %d coupons told GRANTED, %d grabs in flight; held down for %d"
                        + " more answers", k, before.granted(), before.inFlight(), hold);
                if (hold > 0) {
                    await("grabs in flight at the kill answered, and " + hold + " more").atMost(Duration.ofMinutes(1))
                            .pollInterval(Duration.ofMillis(5))
                            .until(() -> {
                                service.requireAlive();
                                return load.answeredAllSentBy(before) && load.snapshot().answered() - before.answered()
                                        >= before.inFlight() + hold;
                            });
                }
                GrabLoad.Snapshot down = load.snapshot();
                redis.start(Duration.ofSeconds(30));
                long downMs = (System.nanoTime() - t0) / 1_000_000;
                GrabLoad.Snapshot restarted = load.snapshot();
                rig.awaitGrantsFlow(load, restarted, "the Redis restart", service::requireAlive);
                int reasked = load.reaskSettled();
                GrabLoad.Snapshot flowing = load.snapshot();
                injected.add(String.format("%s Redis kill -9 #%d at %d coupons told GRANTED, %d grabs in flight;"
                        + " down %d ms; while down the clients saw %s; from the restart to grants flowing again"
                        + " (%d ms) %s; then %d answered request_ids asked again", rig.at(before), k, before.granted(),
                        before.inFlight(), downMs, down.outcomesSince(before),
                        (flowing.nanos() - restarted.nanos()) / 1_000_000, flowing.outcomesSince(restarted), reasked));
                rig.log("REDIS BACK %d after %d ms down", k, downMs);
            }
            rig.finish(service, sale, load, injected);
        }
    }
}
