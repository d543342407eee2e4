package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.GrabCandidate;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.systemtest.support.AsyncGrabs;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Group commit against real Redis, broker and MySQL: one script call for a batch of grabs, a replayed
 * call changes nothing, and grants whose events were never sent (the process died between the script
 * and the send) reach MySQL through the publication relay alone - periodic reconciliation is off in
 * the harness (an hour between runs).
 */
class GroupCommitIT {

    @Test
    void one_script_call_judges_a_batch_in_order_and_a_replay_of_it_changes_nothing() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(3, 2);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3));
        var redis = h.service.redis().connection().sync();
        long now = System.currentTimeMillis();
        List<GrabCandidate> batch = List.of(
                new GrabCandidate(601, "9100000000000000001", now, "r-601"),
                new GrabCandidate(601, "9100000000000000002", now, null),
                new GrabCandidate(601, "9100000000000000003", now, null),
                new GrabCandidate(602, "9100000000000000004", now, "r-602"),
                new GrabCandidate(603, "9100000000000000005", now, "r-603"));

        List<GrabResult> first = store.grab(sale.id(), sale.templateId(), "it-batch-1", now, batch)
                .toCompletableFuture().join();
        // Lettuce re-sends a call whose reply was lost: the same batch id, the same grabs.
        List<GrabResult> replay = store.grab(sale.id(), sale.templateId(), "it-batch-1", now, batch)
                .toCompletableFuture().join();
        System.out.println("injected: one batch of 5 grabs (stock 3, limit 2) and a replay of the call; found "
                + first + " then " + replay);

        assertThat(first).extracting(GrabResult::code).containsExactly(GrabCode.GRANTED, GrabCode.GRANTED,
                GrabCode.LIMIT_REACHED, GrabCode.GRANTED, GrabCode.SOLD_OUT);
        assertThat(first).extracting(GrabResult::seq).startsWith(1, 2);
        assertThat(replay).extracting(GrabResult::code).as("the grants answered again, the refusals as recorded")
                .containsExactly(GrabCode.GRANTED, GrabCode.GRANTED, GrabCode.LIMIT_REACHED, GrabCode.GRANTED,
                        GrabCode.SOLD_OUT);
        assertThat(replay.get(4).recorded()).as("r-603's refusal is its recorded outcome").isTrue();
        assertThat(redis.hget(Registry.saleKey(sale.id()), "stock")).as("stock taken once per grant").isEqualTo("0");
        assertThat(redis.hget(Registry.usersKey(sale.id()), "601")).isEqualTo("2");
        assertThat(redis.hlen(Registry.ledgerKey(sale.id()))).isEqualTo(3);
        assertThat(redis.hget(Registry.publicationsKey(sale.id()), "it-batch-1"))
                .as("one outbox entry for the batch's three grants")
                .startsWith(now + ":" + sale.templateId() + "\n")
                .contains("9100000000000000001:601:1:" + now + ":r-601")
                .contains("9100000000000000002:601:2:" + now + ":")
                .contains("9100000000000000004:602:1:" + now + ":r-602");

        GrabResult collision = store.grabSync(sale.id(), sale.templateId(),
                new GrabCandidate(601, "9100000000000000001", now, null));
        assertThat(collision.code()).as("the same coupon_sn in another call: never answered as this grab's grant")
                .isEqualTo(GrabCode.SN_COLLISION);
        GrabResult retry = store.grabSync(sale.id(), sale.templateId(),
                new GrabCandidate(601, "9100000000000000009", now, "r-601"));
        assertThat(retry.code()).isEqualTo(GrabCode.REPEATED);
        assertThat(retry.couponSn()).isEqualTo("9100000000000000001");

        // Nobody sends these events: the relay does, and every grant becomes exactly one row.
        SaleInvariants.check(h, sale.id(), 3, 2, Duration.ofSeconds(30));
        await("the relay empties the outbox").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> redis.hlen(Registry.publicationsKey(sale.id())) == 0);
    }

    @Test
    void grants_left_in_the_outbox_by_a_process_that_died_before_sending_reach_mysql_through_the_relay() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(50, 1);
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3));
        UserCouponRepository rows = new UserCouponRepository(h.service.dataSource());
        long now = System.currentTimeMillis();
        Map<String, Long> granted = new java.util.concurrent.ConcurrentHashMap<>();
        for (int b = 0; b < 4; b++) {
            List<GrabCandidate> batch = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long user = 700 + b * 5 + i;
                batch.add(new GrabCandidate(user, "92000000000000000" + b + i, now, i % 2 == 0 ? "r-" + user : null));
            }
            List<GrabResult> results = store.grab(sale.id(), sale.templateId(), "it-dead-" + b, now, batch)
                    .toCompletableFuture().join();
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).code()).isEqualTo(GrabCode.GRANTED);
                granted.put(results.get(i).couponSn(), batch.get(i).userId());
            }
        }
        System.out.println("injected: 4 batches (20 grants) written by the grab script, their events never sent");

        await("every grant has its row").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> rows.ownersByActivity(sale.id()).size() == granted.size());
        Map<String, Long> owners = rows.ownersByActivity(sale.id());
        System.out.println("found: " + owners.size() + " rows");
        assertThat(owners).isEqualTo(granted);
        assertThat(rows.findByRequest(sale.id(), 700, "r-700")).as("the request id travelled with the event")
                .hasValueSatisfying(r -> assertThat(r.couponSn()).isEqualTo("9200000000000000000"));
        await("the relay empties the outbox").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> h.service.redis().connection().sync().hlen(Registry.publicationsKey(sale.id())) == 0);
        SaleInvariants.check(h, sale.id(), 50, 1, Duration.ofSeconds(30));
    }

    @Test
    void concurrent_grabs_share_script_calls_and_every_answer_is_honoured() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(400, 2);
        Exposition before = Exposition.scrape(h.service.httpPort());
        List<FlashSaleRequest> requests = new java.util.ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            requests.add(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(800_000L + i % 300).build());
        }
        AsyncGrabs.Run run = AsyncGrabs.run(h.async, requests, 128, Duration.ofSeconds(30), Duration.ofSeconds(60));
        Map<String, Long> granted = new java.util.HashMap<>();
        Map<Long, Integer> perUser = new java.util.HashMap<>();
        List<String> twice = new java.util.ArrayList<>();
        for (AsyncGrabs.Answer a : run.answers()) {
            if (a.response() != null && a.response().getCode() == io.flashcoupon.proto.v1.GrabCode.GRANTED) {
                if (granted.put(a.response().getCouponSn(), a.request().getUserId()) != null) {
                    twice.add(a.response().getCouponSn());
                }
                perUser.merge(a.request().getUserId(), 1, Integer::sum);
            }
        }
        assertThat(run.errors()).as("no grab failed").isEmpty();
        var redis = h.service.redis().connection().sync();
        // Before the relay could act (an entry is relayed once older than 10 s in the harness): the batches
        // removed their own entries after their events were stored.
        await("every batch's outbox entry removed by its batch").atMost(Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> redis.hlen(Registry.publicationsKey(sale.id())) == 0);
        Exposition after = Exposition.scrape(h.service.httpPort());
        double scriptCalls = after.value("coupon_grab_batch_size_grabs_count") - before.value("coupon_grab_batch_size_grabs_count");
        double batched = after.value("coupon_grab_batch_size_grabs_sum") - before.value("coupon_grab_batch_size_grabs_sum");
        System.out.println("found: " + granted.size() + " grants answered for stock 400; " + (long) batched
                + " grabs reached the script in " + (long) scriptCalls + " calls");
        assertThat(twice).as("coupon_sns answered GRANTED twice").isEmpty();
        assertThat(granted).hasSize(400);
        assertThat(scriptCalls).as("grabs that arrived together shared script calls").isLessThan(batched / 2);
        assertThat(perUser.values()).allMatch(n -> n <= 2);
        SaleInvariants.check(h, sale.id(), 400, 2, Duration.ofSeconds(30));
        assertThat(new UserCouponRepository(h.service.dataSource()).ownersByActivity(sale.id())).isEqualTo(granted);
    }
}
