package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.audit.AuditLog;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.reconcile.SaleFence;
import io.flashcoupon.core.reconcile.SaleFences;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.OperationId;
import io.flashcoupon.core.sale.SaleSegments;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.wallet.SaleRowCounts;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.AsyncGrabs;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A hot sale split into segments, each a sub-sale on its own slot (docs/architecture.md "Segments"),
 * through the real service: users routed to one segment, segments that run out borrowing stock from the
 * others, every coupon sold exactly once, operators' actions and cleanup reaching every segment, a
 * transfer left in flight completed by reconciliation, and a segment that lost its keys healed from the
 * rows and the other segments' transfer records.
 */
class SegmentedSaleIT {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @Test
    void a_sale_split_in_three_sells_every_coupon_once_within_the_limits_borrowing_for_the_crowded_segment()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSplitSale(300, 2, 3);
        // 3 of 4 users buy from segment 0, which holds a third of the stock: it must borrow most of the others'.
        List<Long> users = usersSkewedTo(sale, 0, 300, 100);
        List<FlashSaleRequest> calls = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (long user : users) {
                calls.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user)
                        .setRequestId("r" + round + "-" + user).build());
            }
        }
        Collections.shuffle(calls, new Random(11));
        AsyncGrabs.Run run = AsyncGrabs.run(h.async, calls, 96, Duration.ofSeconds(30), Duration.ofSeconds(120));

        Map<String, Long> granted = new HashMap<>();
        Map<GrabCode, Integer> codes = new EnumMap<>(GrabCode.class);
        List<Throwable> errors = new ArrayList<>(run.errors());
        for (AsyncGrabs.Answer a : run.answers()) {
            if (a.response() == null) {
                continue;
            }
            codes.merge(a.response().getCode(), 1, Integer::sum);
            if (a.response().getCode() == GrabCode.GRANTED
                    && granted.put(a.response().getCouponSn(), a.request().getUserId()) != null) {
                errors.add(new AssertionError("coupon_sn granted twice: " + a.response().getCouponSn()));
            }
        }
        RedisCommands<String, String> redis = h.service.redis().connection().sync();
        long borrowed = redis.hvals(Registry.transfersKey(Segment.of(sale.id(), 0, 3))).stream()
                .filter(r -> r.startsWith("in:")).mapToLong(r -> Long.parseLong(r.split(":")[2])).sum();
        System.out.printf("split sale: grabs=%d users=%d peak in flight=%d outcomes=%s errors=%d;"
                + " segment 0 borrowed %d coupon(s)%n", calls.size(), users.size(), run.peakInFlight(), codes,
                errors.size(), borrowed);

        assertThat(errors).as("no grab failed").isEmpty();
        assertThat(granted).as("every coupon sold, the last ones too").hasSize(300);
        assertThat(codes.keySet()).as("only definitive answers")
                .containsOnly(GrabCode.GRANTED, GrabCode.SOLD_OUT, GrabCode.LIMIT_REACHED);
        assertThat(borrowed).as("the crowded segment sold beyond its share by borrowing").isGreaterThan(100);
        for (Segment s : Segment.all(sale.id(), 3)) {
            assertThat(redis.hget(Registry.saleKey(s), "stock")).as("stock of %s", s).isEqualTo("0");
        }
        Map<String, String> ledger = SaleInvariants.checkSplit(redis, h.service.dataSource(), sale, WITHIN);
        assertThat(ledger.keySet()).as("the ledgers hold exactly the coupons answered GRANTED")
                .isEqualTo(granted.keySet());

        ReconciliationReport report = h.service.reconciler().reconcile(sale.id());
        System.out.printf("reconciliation: total %d remaining %d ledger %d rows %d segments %s complete %s%n",
                report.total(), report.remaining(), report.ledgerSize(), report.rows(), report.segments(),
                report.complete());
        assertThat(report.complete()).as("reconciliation complete: " + report.problems()).isTrue();
        assertThat(report.total()).isEqualTo(300);
        assertThat(report.ledgerSize()).isEqualTo(300);
        assertThat(report.segments().count()).isEqualTo(3);
        assertThat(report.segments().coupons()).as("coupons moved between segments").isGreaterThanOrEqualTo(borrowed);
        assertThat(report.segments().inFlight().count()).isZero();

        // Every request id answered again with its first outcome: a grant its coupon, a refusal the same refusal.
        int checked = 0;
        for (AsyncGrabs.Answer a : run.answers()) {
            if (checked++ >= 200) {
                break;
            }
            io.flashcoupon.proto.v1.FlashSaleResponse again = h.blocking
                    .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).flashSaleCoupon(a.request());
            assertThat(again.getCode()).as("retry of request %s", a.request().getRequestId())
                    .isEqualTo(a.response().getCode());
            assertThat(again.getCouponSn()).as("retry of request %s", a.request().getRequestId())
                    .isEqualTo(a.response().getCouponSn());
        }
    }

    @Test
    void a_transfer_left_in_flight_counts_as_stock_and_reconciliation_completes_it_so_it_is_sold() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSplitSale(30, 1, 3);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(5));
        Segment donor = Segment.of(sale.id(), 1, 3);
        // A borrower that died between its debit and its credit.
        assertThat(store.debit(donor, "it-lost-borrower-" + sale.id(), 0, 4)).isEqualTo(4);
        assertThat(new SaleSegments(store).snapshot(sale).remaining()).as("the chunk is in no segment").isEqualTo(26);
        System.out.println("injected: a debit of 4 coupons from segment 1 to segment 0 without its credit");

        ReconciliationReport report = h.service.reconciler().reconcile(sale.id());
        System.out.printf("found: reconciliation completed %d transfer(s); remaining %d, in flight %d%n",
                report.segments().completed(), report.remaining(), report.segments().inFlight().count());
        assertThat(report.segments().completed()).isEqualTo(1);
        assertThat(report.remaining()).isEqualTo(30);
        assertThat(report.stockBalanced()).isTrue();
        assertThat(store.snapshot(Segment.of(sale.id(), 0, 3)).remaining()).as("credited to segment 0").isEqualTo(14);

        List<FlashSaleRequest> calls = new ArrayList<>();
        for (long user : usersSkewedTo(sale, 0, 20, 20)) {
            calls.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build());
        }
        AsyncGrabs.Run run = AsyncGrabs.run(h.async, calls, 16, Duration.ofSeconds(30), Duration.ofSeconds(60));
        assertThat(run.errors()).isEmpty();
        assertThat(run.responses().stream().filter(r -> r.getCode() == GrabCode.GRANTED).count())
                .as("all 30 sold, the completed chunk too").isEqualTo(30);
        SaleInvariants.checkSplit(h.service.redis().connection().sync(), h.service.dataSource(), sale, WITHIN);
    }

    @Test
    void restock_pause_resume_stop_and_cleanup_reach_every_segment() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSplitSale(10, 1, 3);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(5));
        FlashSales sales = new FlashSales(h.activities, h.templates, new SaleRowCounts(h.service.dataSource()), store,
                Clock.systemUTC(), id -> { }, id -> { });
        RedisCommands<String, String> redis = h.service.redis().connection().sync();

        Activity restocked = sales.restock(sale.id(), 5, OperationId.fresh());
        assertThat(restocked.totalCount()).isEqualTo(15);
        for (Segment s : Segment.all(sale.id(), 3)) {
            int expected = Segment.allotment(10, s.index(), 3) + (s.index() == 0 ? 5 : 0);
            assertThat(redis.hget(Registry.saleKey(s), "total")).as("total of %s: its share, the restock on the first",
                    s).isEqualTo(Integer.toString(expected));
        }
        sales.pause(sale.id());
        for (Segment s : Segment.all(sale.id(), 3)) {
            assertThat(redis.hget(Registry.saleKey(s), "status")).as("status of %s", s)
                    .isEqualTo(Integer.toString(ActivityStatus.PAUSED.code()));
        }
        awaitPaused(h, sale, 777_001L);
        sales.resume(sale.id());
        awaitGranted(h, sale, 777_002L);

        List<FlashSaleRequest> calls = new ArrayList<>();
        for (long user : usersSkewedTo(sale, 2, 20, 0)) {
            calls.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build());
        }
        AsyncGrabs.Run run = AsyncGrabs.run(h.async, calls, 8, Duration.ofSeconds(30), Duration.ofSeconds(60));
        assertThat(run.errors()).isEmpty();
        assertThat(run.responses().stream().filter(r -> r.getCode() == GrabCode.GRANTED).count())
                .as("the other 14, all borrowed into segment 2 but its own 5").isEqualTo(14);
        SaleInvariants.checkSplit(redis, h.service.dataSource(), restocked, WITHIN);

        sales.stop(sale.id());
        for (Segment s : Segment.all(sale.id(), 3)) {
            assertThat(redis.hget(Registry.saleKey(s), "status")).isEqualTo(Integer.toString(ActivityStatus.ENDED.code()));
        }
        ReconciliationReports reports = new ReconciliationReports(h.service.dataSource());
        SaleCleanup cleanup = new SaleCleanup(h.activities, store, h.service.reconciler(), reports, Clock.systemUTC());
        OperationId op = OperationId.fresh();
        SaleCleanup.Cleaned cleaned = cleanup.cleanup(sale.id(), op);
        System.out.printf("cleanup removed %d key(s) of 3 segments: %s%n", cleaned.keysDeleted(), cleaned.removedKeys());
        for (Segment s : Segment.all(sale.id(), 3)) {
            assertThat(redis.exists(Registry.saleKey(s), Registry.ledgerKey(s), Registry.transfersKey(s)))
                    .as("keys of %s", s).isZero();
        }
        assertThat(cleaned.keysDeleted()).as("at least each segment's sale hash and operation record")
                .isGreaterThanOrEqualTo(3 * 2);
        assertThat(cleanup.cleanup(sale.id(), op).keysDeleted()).as("a replay answers the same removal")
                .isPositive();
    }

    @Test
    void a_segment_that_lost_its_keys_is_fenced_and_healed_from_the_rows_and_the_others_transfer_records()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSplitSale(30, 1, 3);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(5));
        UserCouponRepository coupons = new UserCouponRepository(h.service.dataSource());
        SaleFence fence = fence(h, sale, store);
        assertThat(fence.check(sale.id())).as("verified before the loss").isEmpty();

        // 18 users of segment 0 (share 10) and 4 of segment 1: segment 0 borrows from 1 and 2.
        List<FlashSaleRequest> calls = new ArrayList<>();
        for (long user : usersSkewedTo(sale, 0, 18, 0)) {
            calls.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build());
        }
        for (long user : usersOf(sale, 1, 4, 5_000_000L)) {
            calls.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build());
        }
        AsyncGrabs.Run run = AsyncGrabs.run(h.async, calls, 8, Duration.ofSeconds(30), Duration.ofSeconds(60));
        assertThat(run.errors()).isEmpty();
        assertThat(run.responses().stream().filter(r -> r.getCode() == GrabCode.GRANTED).count()).isEqualTo(22);
        RedisCommands<String, String> redis = h.service.redis().connection().sync();
        SaleInvariants.checkSplit(redis, h.service.dataSource(), sale, WITHIN);
        Segment lost = Segment.of(sale.id(), 1, 3);
        Map<String, String> lentBefore = redis.hgetall(Registry.transfersKey(lost));
        assertThat(lentBefore.values()).as("segment 1 lent to segment 0").anyMatch(r -> r.startsWith("out:0:"));

        // Segment 1's Redis comes back empty: its grants, users, request ids and loan records are gone.
        long deleted = redis.del(Registry.cleanupKeys(lost));
        System.out.printf("injected: deleted the %d keys of %s (%d grant(s), loans %s)%n", deleted, lost, 4, lentBefore);

        Optional<SaleFence.Heal> heal = fence.check(sale.id());
        assertThat(heal).as("the loss is noticed and healed").isPresent();
        System.out.printf("found: heal %s%n", heal.get());
        assertThat(heal.get().oversoldBy()).isZero();
        assertThat(heal.get().snsReadded()).as("segment 1's four grants re-added from their rows").isEqualTo(4);
        Map<String, String> lentAfter = redis.hgetall(Registry.transfersKey(lost));
        lentBefore.forEach((id, record) -> {
            String[] f = record.split(":");
            assertThat(lentAfter.get(id)).as("loan %s restored from the receiver's record", id)
                    .startsWith(f[0] + ":" + f[1] + ":" + f[2] + ":");
        });
        SaleInvariants.checkSplit(redis, h.service.dataSource(), sale, WITHIN);
        assertThat(new SaleSegments(store).snapshot(sale).remaining()).as("8 left, never the lent ones again")
                .isEqualTo(8);

        // The rest sells, and not one more.
        List<FlashSaleRequest> more = new ArrayList<>();
        for (long user : usersOf(sale, 1, 20, 6_000_000L)) {
            more.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build());
        }
        AsyncGrabs.Run rest = AsyncGrabs.run(h.async, more, 8, Duration.ofSeconds(30), Duration.ofSeconds(60));
        assertThat(rest.errors()).isEmpty();
        assertThat(rest.responses().stream().filter(r -> r.getCode() == GrabCode.GRANTED).count()).isEqualTo(8);
        SaleInvariants.checkSplit(redis, h.service.dataSource(), sale, WITHIN);
        assertThat(coupons.countByActivity(sale.id())).as("no oversell").isEqualTo(30);
    }

    @Test
    void a_credit_held_up_past_a_heal_that_lost_its_debit_is_refused_so_no_coupon_is_made() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSplitSale(30, 1, 3);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(5));
        SaleFence fence = fence(h, sale, store);
        assertThat(fence.check(sale.id())).isEmpty();
        Segment receiver = Segment.of(sale.id(), 0, 3);
        Segment donor = Segment.of(sale.id(), 1, 3);
        RedisCommands<String, String> redis = h.service.redis().connection().sync();
        String epoch = store.views(List.of(receiver)).get(0).epoch();
        // A borrower debits 5 from the donor, then stalls; the donor's Redis loses the debit (its keys), and
        // the sale is fenced and healed meanwhile.
        assertThat(store.debit(donor, "it-stalled-" + sale.id(), 0, 5)).isEqualTo(5);
        redis.del(Registry.cleanupKeys(donor));
        assertThat(fence.check(sale.id())).as("the loss is healed").isPresent();
        long credited = store.credit(receiver, "it-stalled-" + sale.id(), 1, 5, epoch);
        System.out.printf("injected: debit of 5 lost with the donor's keys, a heal, then the stalled credit; found:"
                + " credit answered %d%n", credited);
        assertThat(credited).as("refused: a heal came between").isEqualTo(-2L);
        assertThat(new SaleSegments(store).snapshot(sale).remaining()).as("no coupon made").isEqualTo(30);
        SaleInvariants.checkSplit(redis, h.service.dataSource(), sale, WITHIN);
    }

    @Test
    void the_followers_obey_a_first_segment_healed_from_nothing_and_a_stop_reaches_them_all() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSplitSale(12, 1, 3);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(5));
        FlashSales sales = new FlashSales(h.activities, h.templates, new SaleRowCounts(h.service.dataSource()), store,
                Clock.systemUTC(), id -> { }, id -> { });
        SaleFence fence = fence(h, sale, store);
        RedisCommands<String, String> redis = h.service.redis().connection().sync();
        sales.pause(sale.id());
        sales.resume(sale.id());
        assertThat(fence.check(sale.id())).isEmpty();
        Segment first = Segment.of(sale.id(), 0, 3);
        // The first segment's Redis comes back empty: its change count starts again below the followers'.
        redis.del(Registry.cleanupKeys(first));
        assertThat(fence.check(sale.id())).as("healed").isPresent();
        System.out.printf("injected: the first segment's keys deleted after a pause and a resume; found after the"
                + " heal: status_version %s on the first, %s and %s on the others%n",
                redis.hget(Registry.saleKey(first), "status_version"),
                redis.hget(Registry.saleKey(Segment.of(sale.id(), 1, 3)), "status_version"),
                redis.hget(Registry.saleKey(Segment.of(sale.id(), 2, 3)), "status_version"));
        sales.stop(sale.id());
        for (Segment s : Segment.all(sale.id(), 3)) {
            assertThat(redis.hget(Registry.saleKey(s), "status")).as("status of %s after the stop", s)
                    .isEqualTo(Integer.toString(ActivityStatus.ENDED.code()));
        }
    }

    /** A fence checker of {@code sale} alone: 60 s leases, no settle wait (the test's rows are all in). */
    private static SaleFence fence(ServiceHarness h, Activity sale, SaleStore store) {
        return new SaleFence(h.activities, new UserCouponRepository(h.service.dataSource()),
                new SaleRowCounts(h.service.dataSource())::materialized, store, new SaleFences(h.service.dataSource()),
                () -> List.of(sale.id()), Clock.systemUTC(), new SimpleMeterRegistry(), 60_000, 0,
                new AuditLog(h.service.dataSource()));
    }

    private static void awaitPaused(ServiceHarness h, Activity sale, long user) {
        await("grab of user " + user + " refused as paused").atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    try {
                        grab(h, sale, user);
                        return false;
                    } catch (io.grpc.StatusRuntimeException e) {
                        return e.getStatus().getCode() == io.grpc.Status.Code.FAILED_PRECONDITION
                                && e.getStatus().getDescription().contains("paused");
                    }
                });
    }

    private static void awaitGranted(ServiceHarness h, Activity sale, long user) {
        await("grab of user " + user + " granted").atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                .ignoreException(io.grpc.StatusRuntimeException.class)
                .until(() -> grab(h, sale, user).getCode() == GrabCode.GRANTED);
    }

    private static io.flashcoupon.proto.v1.FlashSaleResponse grab(ServiceHarness h, Activity sale, long user) {
        return h.blocking.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
                .flashSaleCoupon(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user).build());
    }

    /** {@code crowd} users of segment {@code index} then {@code others} of the other segments. */
    private static List<Long> usersSkewedTo(Activity sale, int index, int crowd, int others) {
        List<Long> out = new ArrayList<>(usersOf(sale, index, crowd, 1_000_000L + sale.id() * 10_000));
        long user = 3_000_000L + sale.id() * 10_000;
        int added = 0;
        while (added < others) {
            if (Segment.ofUser(sale.id(), sale.segments(), ++user).index() != index) {
                out.add(user);
                added++;
            }
        }
        return out;
    }

    private static List<Long> usersOf(Activity sale, int index, int count, long from) {
        List<Long> out = new ArrayList<>();
        long user = from + sale.id() * 10_000;
        while (out.size() < count) {
            if (Segment.ofUser(sale.id(), sale.segments(), ++user).index() == index) {
                out.add(user);
            }
        }
        return out;
    }
}
