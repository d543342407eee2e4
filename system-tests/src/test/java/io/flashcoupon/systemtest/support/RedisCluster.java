package io.flashcoupon.systemtest.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of one test's own: three masters and a replica each, every node a {@link RedisProcess}
 * (AOF, appendfsync always, maxmemory-policy noeviction) with cluster settings, created with
 * {@code redis-cli --cluster create}. A short cluster-node-timeout makes a killed master's replica take
 * over within seconds. Topology questions go to redis-cli (CLUSTER KEYSLOT, CLUSTER NODES).
 */
public final class RedisCluster {
    /** How long a master may be unreachable before its replica is promoted. */
    public static final int NODE_TIMEOUT_MS = 1_000;

    private final List<RedisProcess> nodes = new ArrayList<>();

    /** Six nodes on ports from {@code ports}, data under {@code dir}, each logging to {@code logs}/redis-<port>.log. */
    public RedisCluster(FaultPorts ports, Path dir, Path logs) {
        for (int i = 0; i < 6; i++) {
            int port = ports.redisClusterNode();
            nodes.add(new RedisProcess(port, dir.resolve("redis-" + port), logs.resolve("redis-" + port + ".log"),
                    RedisProcess.BINARY, "always", List.of(
                            "cluster-enabled yes",
                            "cluster-config-file nodes.conf",
                            "cluster-node-timeout " + NODE_TIMEOUT_MS,
                            "cluster-replica-validity-factor 0",
                            "maxmemory-policy noeviction")));
        }
    }

    /** Starts every node, creates the cluster and waits until every node says cluster_state:ok. */
    public void start(Duration within) {
        nodes.forEach(n -> n.start(within));
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(n -> create.add("127.0.0.1:" + n.port));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        String out = run(create);
        if (!out.contains("[OK] All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed: " + out);
        }
        awaitHealthy(within);
        await("every master has its replica in sync").atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> nodes.stream().filter(n -> role(n).equals("master"))
                        .allMatch(n -> cli(n.port, "INFO", "replication").contains("connected_slaves:1")
                                && cli(n.port, "INFO", "replication").contains("state=online")));
    }

    /** Waits until every live node says cluster_state:ok and the masters serve all 16384 slots. */
    public void awaitHealthy(Duration within) {
        await("every live node of the Redis Cluster says cluster_state:ok").atMost(within)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> nodes.stream().filter(RedisProcess::alive)
                        .allMatch(n -> cli(n.port, "CLUSTER", "INFO").contains("cluster_state:ok")));
    }

    /** host:port of every node, comma-separated: redis.cluster-nodes. */
    public String seeds() {
        return String.join(",", nodes.stream().map(n -> "127.0.0.1:" + n.port).toList());
    }

    /** The node that serves {@code key}'s slot as master now, as a live node sees the cluster. */
    public RedisProcess masterServing(String key) {
        RedisProcess asked = nodes.stream().filter(RedisProcess::alive).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of the cluster is alive"));
        int slot = Integer.parseInt(cli(asked.port, "CLUSTER", "KEYSLOT", key).trim());
        for (String line : cli(asked.port, "CLUSTER", "NODES").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being migrated
                }
                String[] range = f[i].split("-");
                int lo = Integer.parseInt(range[0]);
                int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
                if (slot >= lo && slot <= hi) {
                    return nodes.stream().filter(n -> n.port == port).findFirst().orElseThrow();
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot + " of " + key);
    }

    /** The replication role ("master" or "slave") node {@code node} reports. */
    public String role(RedisProcess node) {
        for (String line : cli(node.port, "INFO", "replication").split("\n")) {
            if (line.startsWith("role:")) {
                return line.substring(5).trim();
            }
        }
        return "unknown";
    }

    /** Whether master {@code node} has a replica whose link is online. */
    public boolean replicaInSync(RedisProcess node) {
        String info = cli(node.port, "INFO", "replication");
        return info.contains("role:master") && info.contains("state=online");
    }

    public List<RedisProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** Stops every live node (SHUTDOWN). */
    public void stop() {
        for (RedisProcess n : nodes) {
            if (n.alive()) {
                try {
                    n.shutdown(Duration.ofSeconds(30));
                } catch (RuntimeException e) {
                    n.kill();
                }
            }
        }
    }

    private static String cli(int port, String... command) {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        args.addAll(List.of(command));
        return run(args);
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 30 s");
            }
            return new String(out, StandardCharsets.UTF_8).replace("\r", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }
}
