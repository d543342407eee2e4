package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.reconcile.ReconciliationReport;
import io.flashcoupon.core.reconcile.ReconciliationReports;
import io.flashcoupon.core.reconcile.SaleCleanup;
import io.flashcoupon.core.redis.RedisConnector;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.OperationId;
import io.flashcoupon.core.sale.RestockResult;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.SaleTransition;
import io.flashcoupon.core.sale.TransitionResult;
import io.flashcoupon.core.wallet.SaleRowCounts;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.ReplyCutter;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Operator operations run twice with one operation id - the way Lettuce re-sends a script whose reply
 * was lost when the connection dropped, and the way an operator retries with the same Idempotency-Key
 * - are applied once and answered as the first run: restock says restocked with the first run's
 * figures (never "nothing added"), cleanup says removed and MySQL records it, a pause replayed after
 * another operator's resume does not pause again. The Lettuce replay is real: a {@link ReplyCutter}
 * between a SaleStore and the test Redis drops the connection when the script's reply comes back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorReplayIT {
    private static final Duration MATERIALIZED_WITHIN = Duration.ofSeconds(30);

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServiceHarness h;
    private ReplyCutter cutter;
    private RedisConnector cutRedis;
    /** The operator path over the cutting proxy. */
    private SaleStore cutStore;
    private FlashSales cutSales;
    /** The real store on the service's own connection. */
    private SaleStore store;
    private ReconciliationReports reports;

    @BeforeAll
    void start() throws Exception {
        h = ServiceHarness.get();
        cutter = ReplyCutter.start(ServiceHarness.REDIS_PORT);
        cutRedis = new RedisConnector(new ServiceConfig.Redis("127.0.0.1", cutter.port(), "", ServiceHarness.REDIS_DB,
                5000));
        cutStore = new SaleStore(cutRedis.connection(), Duration.ofSeconds(10));
        cutSales = new FlashSales(h.activities, h.templates, new SaleRowCounts(h.service.dataSource()), cutStore,
                Clock.systemUTC(), id -> { }, id -> { });
        store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(5));
        reports = new ReconciliationReports(h.service.dataSource());
    }

    @AfterEach
    void disarm() {
        cutter.disarm();
    }

    @AfterAll
    void stop() throws Exception {
        if (cutRedis != null) {
            cutRedis.close();
        }
        if (cutter != null) {
            cutter.close();
        }
    }

    // ------------------------------------------------------------------ restock

    @Test
    void a_restock_replayed_by_lettuce_after_a_lost_reply_is_added_once_and_answered_restocked() throws Exception {
        Activity sale = h.runningSale(10, 1);
        OperationId op = new OperationId("it-restock-lettuce-" + sale.id());

        cutter.arm(op.value());
        Activity answered = cutSales.restock(sale.id(), 5, op);
        System.out.printf("injected: the reply of restock %s lost once (connection closed); found: the script reached"
                + " Redis %d time(s), answer total_count=%d, Redis total=%s stock=%s%n", op, cutter.markerSent(),
                answered.totalCount(), saleHash(sale.id()).get("total"), saleHash(sale.id()).get("stock"));

        assertThat(cutter.cuts()).as("replies lost").isEqualTo(1);
        assertThat(cutter.markerSent()).as("Lettuce sent the script again after reconnecting").isEqualTo(2);
        assertThat(answered.totalCount()).as("answered as restocked, not 'nothing was added'").isEqualTo(15);
        assertThat(answered.status()).isEqualTo(ActivityStatus.ACTIVE);
        assertThat(saleHash(sale.id())).as("added once").containsEntry("total", "15").containsEntry("stock", "15");
        assertThat(h.activities.find(sale.id()).orElseThrow().totalCount()).isEqualTo(15);
        assertThat(redis().hgetall(Registry.opsKey(sale.id()))).containsOnlyKeys(op.value());
    }

    @Test
    void the_same_restock_twice_through_the_store_adds_once_and_both_answer_the_same_figures() {
        Activity sale = h.runningSale(10, 1);
        OperationId op = new OperationId("it-restock-store-" + sale.id());

        RestockResult first = store.restock(sale.id(), 5, 10, op);
        RestockResult replay = store.restock(sale.id(), 5, 10, op);

        RestockResult expected = new RestockResult(RestockResult.Outcome.RESTOCKED, ActivityStatus.ACTIVE, 15, 15);
        assertThat(first).isEqualTo(expected);
        assertThat(replay).as("the replay").isEqualTo(expected);
        assertThat(saleHash(sale.id())).containsEntry("total", "15").containsEntry("stock", "15");

        // The sale moves on (a grant, a pause): a late replay still answers what the restock did.
        assertThat(grab(sale.id(), 900_001)).isEqualTo(GrabCode.GRANTED);
        assertThat(store.transition(sale.id(), SaleTransition.PAUSE, OperationId.fresh()).changed()).isTrue();
        assertThat(store.restock(sale.id(), 5, 10, op)).as("a late replay").isEqualTo(expected);
        assertThat(saleHash(sale.id())).containsEntry("total", "15").containsEntry("stock", "14");

        // The guard for genuinely concurrent restocks stays: another operation on the stale total is refused.
        RestockResult stale = store.restock(sale.id(), 5, 10, OperationId.fresh());
        assertThat(stale).isEqualTo(new RestockResult(RestockResult.Outcome.TOTAL_CHANGED, ActivityStatus.PAUSED, 15, 14));
        // The same id for another amount is not taken for a replay.
        assertThat(store.restock(sale.id(), 6, 15, op).outcome()).isEqualTo(RestockResult.Outcome.OPERATION_REUSED);
        assertThat(saleHash(sale.id())).as("nothing added by the refusals").containsEntry("total", "15")
                .containsEntry("stock", "14");
    }

    @Test
    void a_restock_retried_with_the_same_idempotency_key_is_added_once_and_both_answers_say_restocked() throws Exception {
        Activity sale = h.runningSale(10, 1);
        String key = "it-restock-api-" + sale.id();

        Reply first = admin(sale.id(), "restock", "{\"amount\":5}", key);
        Reply retry = admin(sale.id(), "restock", "{\"amount\":5}", key);
        System.out.printf("restock twice with Idempotency-Key %s: %d total_count=%s, %d total_count=%s%n", key,
                first.status, first.json.get("total_count"), retry.status, retry.json.get("total_count"));

        assertThat(first.status).as("%s", first.json).isEqualTo(200);
        assertThat(retry.status).as("%s", retry.json).isEqualTo(200);
        assertThat(first.json.get("total_count").asInt()).isEqualTo(15);
        assertThat(retry.json.get("total_count").asInt()).isEqualTo(15);
        assertThat(retry.json.get("status").asText()).isEqualTo(first.json.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(saleHash(sale.id())).as("added once").containsEntry("total", "15").containsEntry("stock", "15");

        Reply otherAmount = admin(sale.id(), "restock", "{\"amount\":6}", key);
        assertThat(otherAmount.status).isEqualTo(400);
        assertThat(otherAmount.json.get("fields").get(0).get("field").asText()).isEqualTo("Idempotency-Key");
        assertThat(otherAmount.json.get("message").asText()).contains("with another amount; nothing was added");

        Reply withoutKey = admin(sale.id(), "restock", "{\"amount\":5}", null);
        assertThat(withoutKey.status).as("without a key, a new restock").isEqualTo(200);
        assertThat(withoutKey.json.get("total_count").asInt()).isEqualTo(20);

        // Retried after the sale was stopped: still "restocked" (it was), not "a sale that ended cannot be restocked".
        assertThat(admin(sale.id(), "stop", "", null).status).isEqualTo(200);
        Reply afterStop = admin(sale.id(), "restock", "{\"amount\":5}", key);
        assertThat(afterStop.status).as("%s", afterStop.json).isEqualTo(200);
        assertThat(afterStop.json.get("status").asText()).isEqualTo("ENDED");
        assertThat(afterStop.json.get("total_count").asInt()).isEqualTo(20);
        Reply newAfterStop = admin(sale.id(), "restock", "{\"amount\":5}", "it-restock-api-late-" + sale.id());
        assertThat(newAfterStop.status).isEqualTo(409);
        assertThat(newAfterStop.json.get("message").asText())
                .isEqualTo("activity " + sale.id() + " is ENDED; a sale that ended cannot be restocked");
        assertThat(saleHash(sale.id())).containsEntry("total", "20").containsEntry("stock", "20");
    }

    // ------------------------------------------------------------------ start and transitions

    @Test
    void a_start_and_a_pause_replayed_by_lettuce_are_answered_as_their_first_run() throws Exception {
        Instant now = Instant.now();
        Activity sale = h.activity(10, 1, now.minusSeconds(60), now.plusSeconds(3600));

        cutter.arm(Registry.saleKey(sale.id())); // start.lua is the first command naming the sale hash
        Activity started = cutSales.start(sale.id());
        int startSent = cutter.markerSent();
        cutter.arm(Registry.opsKey(sale.id())); // transition.lua is the only command naming the ops hash
        Activity paused = cutSales.pause(sale.id());
        System.out.printf("injected: the replies of start and pause lost once each; found: start sent %d time(s),"
                + " answered %s; pause sent %d time(s), answered %s%n", startSent, started.status(),
                cutter.markerSent(), paused.status());

        assertThat(startSent).as("start.lua replayed").isEqualTo(2);
        assertThat(started.status()).isEqualTo(ActivityStatus.ACTIVE);
        assertThat(saleHash(sale.id())).as("seeded once").containsEntry("total", "10").containsEntry("stock", "10");
        assertThat(cutter.markerSent()).as("transition.lua replayed").isEqualTo(2);
        assertThat(paused.status()).isEqualTo(ActivityStatus.PAUSED);
        assertThat(saleHash(sale.id())).containsEntry("status", "3");
    }

    @Test
    void a_pause_replayed_after_another_operators_resume_does_not_pause_again() {
        Activity sale = h.runningSale(10, 1);
        OperationId pause = OperationId.fresh();

        TransitionResult first = store.transition(sale.id(), SaleTransition.PAUSE, pause);
        TransitionResult resume = store.transition(sale.id(), SaleTransition.RESUME, OperationId.fresh());
        TransitionResult replay = store.transition(sale.id(), SaleTransition.PAUSE, pause);

        assertThat(first).isEqualTo(new TransitionResult(true, ActivityStatus.ACTIVE));
        assertThat(resume).isEqualTo(new TransitionResult(true, ActivityStatus.PAUSED));
        assertThat(replay).as("answered as the first run").isEqualTo(first);
        assertThat(saleHash(sale.id())).as("the resume stands").containsEntry("status", "2");
    }

    // ------------------------------------------------------------------ cleanup

    @Test
    void a_cleanup_replayed_by_lettuce_after_a_lost_reply_answers_removed_and_mysql_records_it() throws Exception {
        Activity sale = endedAndReconciled(3);
        long existing = redis().exists(Registry.cleanupKeys(sale.id()));
        OperationId op = new OperationId("it-cleanup-lettuce-" + sale.id());
        SaleCleanup cleanup = new SaleCleanup(h.activities, cutStore, h.service.reconciler(), reports, Clock.systemUTC());

        cutter.arm(op.value());
        SaleCleanup.Cleaned cleaned = cleanup.cleanup(sale.id(), op);
        System.out.printf("injected: the reply of cleanup %s lost once (connection closed); found: the script reached"
                + " Redis %d time(s), answer keys_deleted=%d of %d, cleaned_at=%s%n", op, cutter.markerSent(),
                cleaned.keysDeleted(), existing, reports.find(sale.id()).orElseThrow().cleanedAt());

        assertThat(cutter.cuts()).isEqualTo(1);
        assertThat(cutter.markerSent()).as("Lettuce sent the script again after reconnecting").isEqualTo(2);
        assertThat(cleaned.keysDeleted()).as("the first run's count").isEqualTo(existing).isGreaterThanOrEqualTo(4);
        assertThat(reports.find(sale.id()).orElseThrow().cleanedAt()).as("marked cleaned in MySQL").isNotNull();
        assertThat(redis().exists(Registry.cleanupKeys(sale.id()))).isZero();
        assertThat(redis().get(Registry.cleanedKey(sale.id()))).isEqualTo(existing + ":" + op);
        assertThat(redis().ttl(Registry.cleanedKey(sale.id()))).isBetween(Registry.CLEANED_TTL.toSeconds() - 60,
                Registry.CLEANED_TTL.toSeconds());
    }

    @Test
    void a_cleanup_cut_short_is_completed_by_its_retry_and_the_same_key_answers_removed_again() throws Exception {
        Activity sale = endedAndReconciled(2);
        ReconciliationReport report = h.service.reconciler().reconcile(sale.id());
        assertThat(report.complete()).isTrue();
        OperationId op = new OperationId("it-cleanup-api-" + sale.id());

        // The cleanup script of an operator's call ran, and the call died before MySQL recorded it.
        SaleStore.CleanupResult first = store.cleanup(sale.id(), report.ledgerSize(), report.remaining(), op);
        SaleStore.CleanupResult replay = store.cleanup(sale.id(), report.ledgerSize(), report.remaining(), op);
        SaleStore.CleanupResult other = store.cleanup(sale.id(), report.ledgerSize(), report.remaining(),
                OperationId.fresh());
        assertThat(first.outcome()).isEqualTo(SaleStore.CleanupResult.Outcome.REMOVED);
        assertThat(replay).as("the replay").isEqualTo(first);
        assertThat(other.outcome()).as("another cleanup").isEqualTo(SaleStore.CleanupResult.Outcome.NOT_IN_REDIS);
        assertThat(reports.find(sale.id()).orElseThrow().cleanedAt()).as("not recorded yet").isNull();

        Reply retried = admin(sale.id(), "cleanup", "", op.value());
        Reply again = admin(sale.id(), "cleanup", "", op.value());
        Reply withoutKey = admin(sale.id(), "cleanup", "", null);
        System.out.printf("cleanup cut short, then through the API with Idempotency-Key %s: %d keys_deleted=%s,"
                + " again %d keys_deleted=%s; without the key %d %s%n", op, retried.status,
                retried.json.get("keys_deleted"), again.status, again.json.get("keys_deleted"), withoutKey.status,
                withoutKey.json.get("message"));

        assertThat(retried.status).as("%s", retried.json).isEqualTo(200);
        assertThat(retried.json.get("keys_deleted").asLong()).isEqualTo(first.keysDeleted());
        List<String> removed = new ArrayList<>();
        retried.json.get("removed_keys").forEach(k -> removed.add(k.asText()));
        assertThat(removed).containsExactly(Registry.cleanupKeys(sale.id()));
        assertThat(retried.json.get("reconciliation").get("complete").asBoolean()).isTrue();
        assertThat(reports.find(sale.id()).orElseThrow().cleanedAt()).as("recorded by the retry").isNotNull();
        assertThat(again.status).as("%s", again.json).isEqualTo(200);
        assertThat(again.json.get("keys_deleted").asLong()).isEqualTo(first.keysDeleted());
        assertThat(withoutKey.status).as("a new cleanup of a cleaned sale").isEqualTo(409);
        assertThat(withoutKey.json.get("message").asText())
                .startsWith("the sale of activity " + sale.id() + " is not in Redis (cleaned up at ");
    }

    // ------------------------------------------------------------------ helpers

    /** A started sale with {@code grants} grants (with request ids), stopped, its rows materialized and reconciled complete. */
    private Activity endedAndReconciled(int grants) throws Exception {
        Activity sale = h.runningSale(10, 1);
        for (int i = 1; i <= grants; i++) {
            long user = 910_000L + i;
            assertThat(h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest.newBuilder()
                    .setActivityId(sale.id()).setUserId(user).setRequestId("r-" + user).build()).getCode())
                    .isEqualTo(GrabCode.GRANTED);
        }
        assertThat(cutSales.stop(sale.id()).status()).isEqualTo(ActivityStatus.ENDED);
        SaleInvariants.check(h, sale.id(), 10, 1, MATERIALIZED_WITHIN);
        await("a complete reconciliation of activity " + sale.id()).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> h.service.reconciler().reconcile(sale.id()).complete());
        return sale;
    }

    private GrabCode grab(long activityId, long userId) {
        return h.blocking.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(
                FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(userId).build()).getCode();
    }

    private RedisCommands<String, String> redis() {
        return h.service.redis().connection().sync();
    }

    private Map<String, String> saleHash(long activityId) {
        return redis().hgetall(Registry.saleKey(activityId));
    }

    private record Reply(int status, JsonNode json) {}

    /** POST /api/v1/activities/{id}/{operation} on the service's admin API, with an Idempotency-Key if given. */
    private Reply admin(long activityId, String operation, String body, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort()
                        + "/api/v1/activities/" + activityId + "/" + operation))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + ServiceHarness.OPERATE_TOKEN)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header(OperationId.HEADER, idempotencyKey);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), mapper.readTree(response.body()));
    }
}
