package io.flashcoupon.systemtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.SaleFences;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.systemtest.support.RedisProcess;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A host crash that loses the last grants of Redis: a copy of Redis's AOF directory is taken mid-sale;
 * the sale sells out and every grant becomes a row; Redis is killed with kill -9 and restarted from the
 * older copy, so it holds stock that was sold already and lacks the ledger entries, user counts and
 * request_id outcomes of every grant after the copy. The same clients go on (per_user_limit 2, half the
 * users with request_ids): every request_id is asked again, and new grabs come. The service must fence
 * the sale (grabs refused while it heals), heal it from MySQL's rows, sell nothing twice, and answer
 * every request_id with its first outcome. Fence checks on (the subject of this test), periodic
 * reconciliation off.
 */
class FaultHostCrashIT {
    private static final int STOCK = 1_500;
    private static final int LIMIT = 2;
    /** Answers the clients get after the heal before the load stops. */
    private static final int AFTER_HEAL = 500;

    @Test
    void redis_restored_from_an_older_aof_is_fenced_and_healed_and_sells_nothing_twice() throws Exception {
        FaultRig.run("FaultHostCrashIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        rig.fenceChecks(200, 1_000, 1_000);
        ServiceJvms.Service service = rig.startWithEmbeddedBroker();
        RedisProcess redis = rig.redisProcess();
        Activity sale = rig.startSale(service, STOCK, LIMIT);
        long id = sale.id();
        UserCouponRepository rows = new UserCouponRepository(rig.db());
        Path copy = rig.work.resolve("aof-copy");

        List<String> injected = new ArrayList<>();
        try (GrabLoad load = rig.load(service, sale)) {
            load.start();
            rig.awaitGranted(load, rig.faultPoint(1, 2, STOCK), service::requireAlive);
            GrabLoad.Snapshot atCopy = load.snapshot();
            redis.copyAof(copy);
            injected.add(String.format("%s AOF directory copied at %d coupons told GRANTED", rig.at(atCopy),
                    atCopy.granted()));
            rig.log("before the crash:");
            rig.finish(service, sale, load, injected);
            long rowsBefore = rows.countByActivity(id);
            int grantedBefore = load.grantedCoupons();
            assertThat(rowsBefore).as("the sale sold out before the crash").isEqualTo(STOCK);

            redis.kill();
            Restored restored = probe(rig, copy, id);
            redis.restoreAof(copy);
            redis.start(Duration.ofSeconds(30));
            GrabLoad.Snapshot crashed = load.snapshot();
            injected.add(String.format("%s kill -9 of Redis, restarted from the older AOF copy: it holds stock %d and"
                    + " %d ledger entries of %d rows", rig.at(crashed), restored.stock(), restored.ledger(), rowsBefore));
            rig.log("HOST CRASH: Redis killed (-9) and restarted from the copy: stock %d, ledger %d of %d rows",
                    restored.stock(), restored.ledger(), rowsBefore);

            SaleFences fences = new SaleFences(rig.db());
            int reasked = load.reaskAll();
            load.resume();
            await("the sale is fenced and healed").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        service.requireAlive();
                        return fences.find(id).map(r -> r.heals() >= 1 && r.fencedAtMs() == null).orElse(false);
                    });
            GrabLoad.Snapshot healedAt = load.snapshot();
            ReconciliationReport.Healed healed = fences.find(id).orElseThrow().healed();
            rig.log("healed (%s); %d request_ids asked again, the clients saw from the crash to the heal %s", healed,
                    reasked, healedAt.outcomesSince(crashed));
            assertThat(healed.snsReadded()).as("rows re-added to the ledger").isEqualTo(rowsBefore - restored.ledger());
            assertThat(healed.oversoldBy()).as("oversold by").isZero();
            assertThat(healed.fencedNow()).isFalse();
            await(AFTER_HEAL + " answers after the heal").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        service.requireAlive();
                        return load.snapshot().answered() - healedAt.answered() >= AFTER_HEAL;
                    });
            load.stopNew();
            GrabLoad.Snapshot end = load.snapshot();
            injected.add(String.format("after the crash: %d answered request_ids asked again, new grabs; the clients"
                    + " saw from the crash to the heal %s, after it %s", reasked, healedAt.outcomesSince(crashed),
                    end.outcomesSince(healedAt)));
            rig.log("after the crash:");
            rig.finish(service, sale, load, injected);

            rig.log("found: coupons told GRANTED %d before the crash, %d after", grantedBefore, load.grantedCoupons());
            assertThat(load.grantedCoupons()).as("coupons granted after the crash (all were sold before)")
                    .isEqualTo(grantedBefore);
        }
    }

    /** What Redis holds of the sale when started from {@code copy}. */
    private record Restored(long stock, long ledger) {}

    /**
     * Starts a redis-server of its own on the copy and reads the sale there, before the service's Redis
     * comes back from it (the service's fence checker reads and heals that one within 200 ms).
     */
    private static Restored probe(FaultRig rig, Path copy, long activity) {
        RedisProcess probe = new RedisProcess(rig.ports.one(), rig.work.resolve("redis-probe"),
                rig.logs.resolve("redis-probe.log"));
        probe.restoreAof(copy);
        probe.start(Duration.ofSeconds(30));
        RedisClient client = RedisClient.create(probe.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return new Restored(Long.parseLong(c.sync().hget(Registry.saleKey(activity), "stock")),
                    c.sync().hlen(Registry.ledgerKey(activity)));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            probe.kill();
        }
    }
}
