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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A host crash that loses the last grants of Redis: a copy of Redis's AOF directory (multi-part AOF
 * with its manifest) is taken mid-sale; the sale sells out and every grant becomes a row; Redis is
 * killed with kill -9 and restarted from the older copy, so it holds stock that was sold already and
 * lacks the ledger entries, user counts and request ids of every grant after the copy. Grabs go on.
 * The service must fence the sale (grabs UNAVAILABLE), heal it from MySQL's rows and sell nothing twice.
 * Periodic reconciliation is off so nothing else repairs Redis; per_user_limit 2.
 */
class FaultHostCrashIT {
    private static final int STOCK = 1_500;
    private static final int USERS = 2_500;
    private static final int IN_FLIGHT = 64;

    @Test
    void redis_restored_from_an_older_aof_is_fenced_and_healed_and_sells_nothing_twice() throws Exception {
        FaultRig.run("FaultHostCrashIT", this::run);
    }

    private void run(FaultRig rig) throws Exception {
        rig.config.put("business.reconcile.enabled", "false");
        rig.config.put("business.reconcile.fence-interval-ms", "200");
        rig.config.put("business.reconcile.fence-lease-ms", "1000");
        rig.config.put("business.reconcile.heal-settle-ms", "1000");
        RedisProcess redis = rig.startRedis();
        rig.resetDatabase();
        ServiceJvms.Service service = rig.embeddedService();
        rig.log("service ready in %d ms", service.start(Duration.ofMinutes(3)).toMillis());
        Activity sale = rig.startSale(service, STOCK, 2);
        long id = sale.id();
        UserCouponRepository rows = new UserCouponRepository(rig.db());
        Path aof = rig.work.resolve("redis").resolve("appendonlydir");
        Path copy = rig.work.resolve("aof-copy");

        List<String> injected = new ArrayList<>();
        long ledgerAtCopy;
        try (GrabLoad load = rig.load(service, sale, USERS, IN_FLIGHT)) {
            load.start();
            rig.awaitGranted(load, rig.faultPoint(1, 2, STOCK), service::requireAlive);
            ledgerAtCopy = rig.ledgerSize(id);
            copyTree(aof, copy);
            GrabLoad.Snapshot atCopy = load.snapshot();
            injected.add(String.format("%s AOF directory copied at %d coupons granted to the client (ledger %d)",
                    rig.at(atCopy), atCopy.granted(), ledgerAtCopy));
            rig.finishLoad(load, service::requireAlive, injected);
            rig.verify(sale, load, Duration.ofSeconds(60));
        }
        long rowsBefore = rows.countByActivity(id);
        assertThat(rowsBefore).as("the sale sold out before the crash").isEqualTo(STOCK);

        redis.kill();
        deleteTree(aof);
        copyTree(copy, aof);
        redis.start(Duration.ofSeconds(30));
        long ledgerRestored = rig.ledgerSize(id);
        String stockRestored = rig.redis().hget(Registry.saleKey(id), "stock");
        rig.log("HOST CRASH: Redis killed (-9) and restarted from the copy: ledger %d (of %d rows), stock %s",
                ledgerRestored, rowsBefore, stockRestored);
        injected.add(String.format("kill -9 of Redis, restarted from the older AOF: ledger %d of %d rows, stock %s",
                ledgerRestored, rowsBefore, stockRestored));

        SaleFences fences = new SaleFences(rig.db());
        try (GrabLoad after = rig.load(service, sale, USERS, IN_FLIGHT)) {
            after.start();
            await("the sale is fenced and healed").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        service.requireAlive();
                        return fences.find(id).map(r -> r.heals() >= 1 && r.fencedAtMs() == null).orElse(false);
                    });
            GrabLoad.Snapshot healedAt = after.snapshot();
            rig.log("healed; the client saw meanwhile %s", healedAt.outcomes());
            rig.finishLoad(after, service::requireAlive, injected);
            assertThat(after.outcome("UNAVAILABLE(nothing granted)"))
                    .as("grabs answered UNAVAILABLE while the sale was fenced").isPositive();
            assertThat(after.grantedCoupons()).as("no coupon granted again after the crash").isZero();
            rig.verify(sale, after, Duration.ofSeconds(60));
        }
        assertThat(rows.countByActivity(id)).as("rows never exceed the total").isEqualTo(STOCK);
        ReconciliationReport.Healed healed = fences.find(id).orElseThrow().healed();
        rig.log("found: healed section %s", healed);
        assertThat(healed.snsReadded()).as("rows re-added to the ledger").isEqualTo(rowsBefore - ledgerRestored);
        assertThat(healed.oversoldBy()).as("oversold by").isZero();
        assertThat(healed.fencedNow()).isFalse();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
