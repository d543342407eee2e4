package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.sale.NodeIdTakenException;
import io.flashcoupon.launcher.CouponService;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.flashcoupon.systemtest.support.TempTree;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Node ids are leased in Redis: a second live process configured with a held id refuses to start
 * (server.node-id-policy refuse) or takes a free one (next-free), and then the two issue disjoint sns
 * under load; a holder killed with kill -9 keeps its id until its lease runs out, after which a new
 * process takes it and issues sns above every one issued before, and a third process configured with
 * that id exits (code 3) with one line naming the id and the holder. Against the shared harness (the first
 * holder), its broker, MySQL and Redis; the killed holder is a child JVM.
 */
class NodeLeaseIT {

    private static RedisCommands<String, String> redis(ServiceHarness h) {
        return h.service.redis().connection().sync();
    }

    @Test
    void under_refuse_a_second_process_with_a_live_holders_id_fails_to_start_naming_the_id_and_the_holder()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        int held = h.service.nodeId();
        String holder = redis(h).get(Registry.nodeLeaseKey(held));
        assertThat(holder).as("the harness's lease token").startsWith("coupon-it-");

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> CouponService.start(sameId(h, held, "refuse"), Clock.systemUTC()))
                .isInstanceOf(NodeIdTakenException.class)
                .hasMessageContaining("server.node-id " + held + " is leased by " + holder)
                .hasMessageContaining("server.node-id-policy is refuse");
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("refused after %d ms (the holder's lease is %d ms and it renews every third)%n", waitedMs,
                ServiceConfig.Server.DEFAULT_NODE_LEASE_MS);
        assertThat(redis(h).get(Registry.nodeLeaseKey(held))).as("the holder keeps its lease").isEqualTo(holder);
    }

    @Test
    void under_next_free_two_processes_configured_with_one_id_lease_two_and_concurrent_grabs_share_no_sn()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        int first = h.service.nodeId();
        int stock = 400;
        Activity sale = h.runningSale(stock, 1);
        int second;
        Map<String, Integer> snNodes = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        try (CouponService other = CouponService.start(sameId(h, first, "next-free"), Clock.systemUTC())) {
            second = other.nodeId();
            assertThat(second).as("leased id of the second process").isNotEqualTo(first);
            assertThat(redis(h).get(Registry.nodeLeaseKey(second))).isNotNull()
                    .isNotEqualTo(redis(h).get(Registry.nodeLeaseKey(first)));

            ManagedChannel toOther = ManagedChannelBuilder.forAddress("127.0.0.1", other.grpcPort()).usePlaintext()
                    .build();
            List<CouponGrpc.CouponBlockingStub> stubs = List.of(h.blocking, CouponGrpc.newBlockingStub(toOther));
            ExecutorService pool = Executors.newFixedThreadPool(48);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int i = 0; i < 3 * stock; i++) {
                    long user = 7_000_000L + i;
                    int process = i % 2;
                    calls.add(pool.submit(() -> {
                        FlashSaleResponse r = stubs.get(process).withDeadlineAfter(30, TimeUnit.SECONDS)
                                .flashSaleCoupon(FlashSaleRequest.newBuilder().setActivityId(sale.id()).setUserId(user)
                                        .build());
                        if (r.getCode() == GrabCode.GRANTED) {
                            int node = nodeOf(r.getCouponSn());
                            if (snNodes.putIfAbsent(r.getCouponSn(), node) != null) {
                                problems.add("coupon_sn granted twice: " + r.getCouponSn());
                            }
                            int expected = process == 0 ? first : second;
                            if (node != expected) {
                                problems.add(r.getCouponSn() + " carries node " + node + ", not " + expected);
                            }
                        }
                    }));
                }
                for (Future<?> c : calls) {
                    c.get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
                toOther.shutdownNow();
            }
        }
        assertThat(problems).isEmpty();
        assertThat(snNodes).hasSize(stock);
        Map<Integer, Long> perNode = new HashMap<>();
        snNodes.values().forEach(n -> perNode.merge(n, 1L, Long::sum));
        System.out.printf("granted %d coupons: %s by node id (first %d, second %d)%n", snNodes.size(), perNode, first,
                second);
        assertThat(perNode).as("both processes granted").containsKeys(first, second);
        assertThat(redis(h).get(Registry.nodeLeaseKey(second))).as("released at the graceful stop").isNull();
        Map<String, String> ledger = SaleInvariants.check(h, sale.id(), stock, 1, Duration.ofSeconds(60));
        assertThat(ledger.keySet()).isEqualTo(snNodes.keySet());
    }

    @Test
    void a_killed_holders_id_frees_after_its_lease_then_the_next_holder_issues_higher_sns_and_refuses_a_third()
            throws Exception {
        ServiceHarness h = ServiceHarness.get();
        int id = 900;
        long leaseMs = 2_000;
        redis(h).del(Registry.nodeLeaseKey(id), Registry.nodeHighWaterKey(id));
        Activity sale = h.runningSale(200, 1);
        Path work = Files.createTempDirectory("node-lease-it");
        Path logs = Path.of("target", "node-lease-logs").toAbsolutePath();
        Files.createDirectories(logs);
        FaultPorts ports = new FaultPorts();
        int grpc = ports.one();
        int http = ports.one();
        ServiceJvms.Service a = new ServiceJvms.Service("holder-a", childEnv(h, id, leaseMs, grpc, http, work), work,
                logs.resolve("holder-a.log"), grpc, http);
        ServiceJvms.Service b = new ServiceJvms.Service("holder-b", childEnv(h, id, leaseMs, grpc, http, work), work,
                logs.resolve("holder-b.log"), grpc, http);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
        try {
            a.start(Duration.ofMinutes(3));
            String tokenA = redis(h).get(Registry.nodeLeaseKey(id));
            assertThat(tokenA).as("A leased node id %d", id).isNotNull();
            List<String> before = grab(CouponGrpc.newBlockingStub(channel), sale.id(), 8_000_000L, 60);
            assertThat(before).allSatisfy(sn -> assertThat(nodeOf(sn)).isEqualTo(id));

            a.kill();
            long killed = System.nanoTime();
            assertThat(redis(h).get(Registry.nodeLeaseKey(id))).as("kill -9 released nothing").isEqualTo(tokenA);
            await("A's lease on node id " + id + " runs out").atMost(Duration.ofMillis(leaseMs + 3_000))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> redis(h).get(Registry.nodeLeaseKey(id)) == null);
            long freedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            System.out.printf("node id %d free %d ms after kill -9 of its holder (lease %d ms)%n", id, freedAfterMs,
                    leaseMs);

            b.start(Duration.ofMinutes(3));
            channel.resetConnectBackoff();
            String tokenB = redis(h).get(Registry.nodeLeaseKey(id));
            assertThat(tokenB).as("B leased node id %d", id).isNotNull().isNotEqualTo(tokenA);
            List<String> after = grab(CouponGrpc.newBlockingStub(channel), sale.id(), 8_100_000L, 60);
            assertThat(after).allSatisfy(sn -> assertThat(nodeOf(sn)).isEqualTo(id));
            String maxBefore = Collections.max(before);
            assertThat(Collections.min(after)).as("the first sn after the takeover").isGreaterThan(maxBefore);
            System.out.printf("sns before the kill up to %s, after the takeover from %s%n", maxBefore,
                    Collections.min(after));
            SaleInvariants.check(h, sale.id(), 200, 1, Duration.ofSeconds(90));

            // and B being alive, a third process configured with its id exits with one clear line
            int grpcC = ports.one();
            int httpC = ports.one();
            ServiceJvms.Service c = new ServiceJvms.Service("holder-c", childEnv(h, id, leaseMs, grpcC, httpC, work),
                    work, logs.resolve("holder-c.log"), grpcC, httpC);
            try {
                assertThatThrownBy(() -> c.start(Duration.ofMinutes(3))).hasMessageContaining("exit code 3");
                assertThat(c.logOfThisRun()).as("holder-c's log").anySatisfy(line -> assertThat(line)
                        .contains("start refused: server.node-id " + id + " is leased by " + tokenB));
            } finally {
                c.stop();
            }
            assertThat(redis(h).get(Registry.nodeLeaseKey(id))).as("B keeps its lease").isEqualTo(tokenB);
        } finally {
            channel.shutdownNow();
            b.stop();
            a.stop();
            TempTree.delete(work);
        }
    }

    /** {@code n} grabs by distinct users from {@code firstUser}, all GRANTED; their sns. */
    private static List<String> grab(CouponGrpc.CouponBlockingStub stub, long activityId, long firstUser, int n) {
        List<String> sns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FlashSaleResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).flashSaleCoupon(
                    FlashSaleRequest.newBuilder().setActivityId(activityId).setUserId(firstUser + i).build());
            assertThat(r.getCode()).as("grab %d", i).isEqualTo(GrabCode.GRANTED);
            sns.add(r.getCouponSn());
        }
        return sns;
    }

    /** The node id bits of a coupon_sn (41 bits of ms, 10 of node, 12 of counter). */
    private static int nodeOf(String couponSn) {
        return (int) ((Long.parseLong(couponSn) >>> 12) & 1023);
    }

    /** An ingress-only process on the harness's stores and broker, configured with node id {@code id}. */
    private static ServiceConfig sameId(ServiceHarness h, int id, String policy) throws Exception {
        ServiceConfig c = ServiceRolesIT.roles(h, List.of("ingress"));
        ServiceConfig.Server s = c.server();
        return new ServiceConfig(new ServiceConfig.Server(s.name(), s.host(), 0, 0, id, s.roles(),
                s.shutdownTimeoutMs(), policy, ServiceConfig.Server.DEFAULT_NODE_LEASE_MS),
                c.mysql(), c.redis(), c.rocketmq(), c.business(), c.admin(), c.saga(), c.cache(), c.cdc(), c.tracing());
    }

    /** A child JVM's environment: ingress only, node id {@code id} under refuse, on the harness's stores and broker. */
    private static Map<String, String> childEnv(ServiceHarness h, int id, long leaseMs, int grpc, int http, Path work) {
        Map<String, String> env = new HashMap<>(ServiceJvms.storesEnv(ServiceHarness.DB, ServiceHarness.REDIS_PORT));
        env.put(ConfigLoader.envName("redis.database"), Integer.toString(ServiceHarness.REDIS_DB));
        env.put(ConfigLoader.envName("server.name"), "node-lease-it");
        env.put(ConfigLoader.envName("server.roles"), "ingress");
        env.put(ConfigLoader.envName("server.node-id"), Integer.toString(id));
        env.put(ConfigLoader.envName("server.node-id-policy"), "refuse");
        env.put(ConfigLoader.envName("server.node-lease-ms"), Long.toString(leaseMs));
        env.put(ConfigLoader.envName("server.grpc-port"), Integer.toString(grpc));
        env.put(ConfigLoader.envName("server.http-port"), Integer.toString(http));
        env.put(ConfigLoader.envName("rocketmq.embedded"), "false");
        env.put(ConfigLoader.envName("rocketmq.nameservers"), h.service.namesrvAddr());
        env.put(ConfigLoader.envName("cdc.embedded.enabled"), "false");
        env.put(ConfigLoader.envName("cdc.embedded.state-dir"), work.resolve("cdc").toString());
        env.put(ConfigLoader.envName("business.flashsale.max-qps-per-user"), "100000");
        return env;
    }
}
