package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.core.sale.GrabCandidate;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.ingress.GrabWarmup;
import io.flashcoupon.launcher.CouponService;
import io.flashcoupon.systemtest.ops.ServiceRolesIT;
import io.flashcoupon.systemtest.support.Exposition;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up (business.flashsale.warmup-grabs) grants its synthetic Redis-only sale through
 * the real transactional grab path before the process is ready, to the warm-up topic only, and leaves
 * nothing behind: no sale keys, no grant in the service's grab meters. A sale left by a process killed
 * during its warm-up is removed first.
 */
class GrabWarmupIT {
    private static final int NODE = 7;
    private static final int GRABS = 300;

    @Test
    void the_warm_up_grants_its_synthetic_sale_before_ready_and_leaves_no_trace() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        long sale = GrabWarmup.saleId(NODE);
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + ServiceHarness.REDIS_PORT + "/"
                + ServiceHarness.REDIS_DB);
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
            // What a process killed during its warm-up leaves: a started synthetic sale with one grant.
            SaleStore store = new SaleStore(redis, Duration.ofSeconds(5));
            Instant now = Instant.now();
            store.start(new Activity(sale, 0, "left over", 5, now.minusSeconds(600), now.plusSeconds(600), 1,
                    ActivityStatus.ACTIVE));
            assertThat(store.grabSync(sale, 0, new GrabCandidate(1, "left-over-1", now.toEpochMilli(), null)).code())
                    .isEqualTo(GrabCode.GRANTED);

            long startedAt = System.currentTimeMillis();
            try (CouponService warmed = CouponService.start(config(h), Clock.systemUTC())) {
                assertThat(warmed.nodeId()).isEqualTo(NODE);
                Exposition metrics = Exposition.parse(get(warmed.httpPort(), "/metrics"));
                assertThat(metrics.value("coupon_startup_warmup_grants")).as("every warm-up grab granted")
                        .isEqualTo(GRABS);
                assertThat(metrics.has("coupon_grab_outcomes_total")).as("the ingress' grab meters").isTrue();
                assertThat(metrics.value("coupon_grab_outcomes_total", "code", "granted"))
                        .as("warm-up grants are not the service's grants").isZero();
                assertThat(redis.sync().exists(Registry.saleKeys(sale))).as("synthetic sale keys left").isZero();
                System.gc(); // the gauges once read NaN after a collection (weakly referenced figures)
                Exposition afterGc = Exposition.parse(get(warmed.httpPort(), "/metrics"));
                assertThat(afterGc.value("coupon_startup_warmup_grants")).as("after a GC").isEqualTo(GRABS);
                assertThat(afterGc.value("coupon_startup_warmup_seconds")).as("after a GC").isPositive();
            }
            // Every warm-up grant went to the warm-up topic (so none to coupon-events, which the sink and
            // downstream consumers read: a grant there with no MySQL activity would not even become a row).
            assertThat(warmupMessages(h.service.namesrvAddr(), sale, startedAt)).as("grants in " + Registry.TOPIC_WARMUP)
                    .isEqualTo(GRABS);
        } finally {
            client.shutdown();
        }
    }

    /**
     * Distinct grants (coupon_sn) of {@code activityId} in the warm-up topic since {@code sinceMs}, once all
     * arrived.
     */
    private static long warmupMessages(String namesrv, long activityId, long sinceMs) throws Exception {
        String group = "it-warmup-reader";
        TopicProvisioner.provision(namesrv, List.of(group), Duration.ofSeconds(60));
        DefaultLitePullConsumer reader = new DefaultLitePullConsumer(group);
        reader.setNamesrvAddr(namesrv);
        reader.setAutoCommit(false);
        reader.start();
        try {
            Collection<MessageQueue> queues = reader.fetchMessageQueues(Registry.TOPIC_WARMUP);
            reader.assign(queues);
            for (MessageQueue q : queues) {
                reader.seek(q, reader.offsetForTimestamp(q, sinceMs));
            }
            // Distinct coupon_sns: delivery is at least once (a message read twice, or sent again, is one grant,
            // and consumers deduplicate), so a second copy of a grant is not a grant that went elsewhere.
            java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            AtomicLong messages = new AtomicLong();
            String id = Long.toString(activityId);
            await("the warm-up's messages").atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
                reader.poll(200).stream().filter(m -> id.equals(m.getUserProperty(Registry.PROP_ACTIVITY_ID)))
                        .forEach(m -> {
                            messages.incrementAndGet();
                            seen.add(m.getKeys());
                        });
                return seen.size() >= GRABS;
            });
            System.out.printf("warm-up topic: %d message(s) of sale %d, %d distinct coupon_sn(s)%n", messages.get(),
                    activityId, seen.size());
            return seen.size();
        } finally {
            reader.shutdown();
        }
    }

    private static ServiceConfig config(ServiceHarness h) throws Exception {
        ServiceConfig base = ServiceRolesIT.roles(h, List.of("ingress", "topology"));
        ServiceConfig.Server s = base.server();
        ServiceConfig.Flashsale fs = base.business().flashsale();
        ServiceConfig.Business b = base.business();
        return new ServiceConfig(
                // refuse: the left-over sale planted above is node 7's, so the process must lease exactly 7
                new ServiceConfig.Server(s.name() + "-warmup", s.host(), 0, 0, NODE, s.roles(), s.shutdownTimeoutMs(),
                        "refuse", s.nodeLeaseMs()),
                base.mysql(), base.redis(), base.rocketmq(),
                new ServiceConfig.Business(new ServiceConfig.Flashsale(fs.grabThreads(), fs.grabQueue(),
                        fs.activityCacheMs(), fs.maxQpsPerUser(), fs.maxQpsPerIp(), fs.soldOutRecheckMs(), GRABS,
                        fs.grabBatchMax(), fs.grabBatchesInFlight(), fs.publishRelayMs(), fs.publishStaleMs()),
                        b.sink(), b.reconcile(), b.wallet()),
                base.admin(), base.saga(), base.cache(), base.cdc(), base.tracing());
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
