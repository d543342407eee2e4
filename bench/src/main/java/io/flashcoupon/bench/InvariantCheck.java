package io.flashcoupon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's correctness check after a run drained: no oversell (total = remaining + granted
 * as the admin API reports them), ledger == rows in MySQL, per-user limit held in MySQL, and every coupon
 * the load generator was told GRANTED is a row. Also measures materialization lag from the rows
 * (created_at vs granted_at_ms, both on this machine's clock).
 *
 * <p>With {@code redis} (one node) or {@code redis-cluster} (seed nodes), it also reads the sale's keys on
 * every segment ({@link SaleKeys}; a sale of one segment is its one segment), as system-tests'
 * SaleInvariants.checkSplit does: each segment's stock never negative, Σ stock + transfers in flight
 * (debited on the donor, not credited on the receiver) + Σ ledger == total, every grant in the ledger of its
 * user's segment, per-user counts within the limit and equal to the users hash, no coupon both granted and
 * voided, no coupon_sn in two segments, and the merged ledger == the rows, coupon_sn by coupon_sn with the
 * same owner. Then the admin API's remaining + granted == total is not required on its own (a transfer in
 * flight is in neither), and the report has a {@code segments} section: each segment's stock, grants and
 * transfers.
 *
 * <p>Usage: {@code InvariantCheck admin=http://127.0.0.1:8056 token=... jdbc=... user=... password=...
 * activity=N limit=1 grants=file wait-s=120 out=file.json [redis=host:port | redis-cluster=host:port,...]};
 * token is an admin API bearer token (read or operate), by default the dev token of the shipped srv.yaml.
 */
public final class InvariantCheck {
    /** admin.operate-tokens of the shipped srv.yaml (ConfigValidator.DEV_TOKEN; bench does not depend on core). */
    private static final String DEV_TOKEN = "dev-operate-token-change-me";

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : argv) {
            a.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        }
        long activity = Long.parseLong(a.get("activity"));
        int limit = Integer.parseInt(a.getOrDefault("limit", "1"));
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + Long.parseLong(a.getOrDefault("wait-s", "120")) * 1000;
        JsonNode status;
        long drainStart = System.currentTimeMillis();
        while (true) {
            status = json.readTree(http.send(HttpRequest.newBuilder(
                    URI.create(a.get("admin") + "/api/v1/activities/" + activity + "/status"))
                    .header("Authorization", "Bearer " + a.getOrDefault("token", DEV_TOKEN)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (status.path("materialized").asLong() >= status.path("granted").asLong()
                    || System.currentTimeMillis() > deadline) {
                break;
            }
            Thread.sleep(100); // polling an external system with a deadline, not test synchronisation
        }
        long drainMs = System.currentTimeMillis() - drainStart;
        List<String> violations = new ArrayList<>();
        long total = status.path("total").asLong();
        long remaining = status.path("remaining").asLong();
        long granted = status.path("granted").asLong();
        long rows = status.path("materialized").asLong();
        if (remaining < 0) {
            violations.add("remaining stock negative: " + remaining);
        }
        boolean readRedis = a.containsKey("redis") || a.containsKey("redis-cluster");
        if (!readRedis && remaining + granted != total) {
            violations.add("oversell or lost stock: remaining " + remaining + " + granted " + granted + " != total " + total);
        }
        if (rows != granted) {
            violations.add("ledger " + granted + " != rows " + rows + " after " + drainMs + " ms");
        }
        Map<String, Long> rowOwners = new HashMap<>();
        List<Long> lags = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(a.get("jdbc"), a.get("user"), a.get("password"))) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT user_id, COUNT(*) FROM user_coupons WHERE activity_id=? GROUP BY user_id HAVING COUNT(*) > ?")) {
                ps.setLong(1, activity);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        violations.add("user " + rs.getLong(1) + " holds " + rs.getLong(2) + " > limit " + limit);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT coupon_sn, granted_at_ms,"
                    + " FLOOR(UNIX_TIMESTAMP(created_at) * 1000), user_id FROM user_coupons WHERE activity_id=?")) {
                ps.setLong(1, activity);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rowOwners.put(rs.getString(1), rs.getLong(4));
                        lags.add(Math.max(0, rs.getLong(3) - rs.getLong(2)));
                    }
                }
            }
        }
        long clientGranted = 0;
        if (a.containsKey("grants")) {
            for (String line : Files.readAllLines(Path.of(a.get("grants")))) {
                if (line.isBlank()) {
                    continue;
                }
                clientGranted++;
                String sn = line.substring(0, line.indexOf(','));
                if (!rowOwners.containsKey(sn)) {
                    violations.add("client saw GRANTED " + sn + " but MySQL has no such row");
                }
            }
        }
        Map<String, Object> segments = null;
        if (readRedis) {
            int count = status.path("activity").path("segments").asInt(1);
            segments = checkRedis(a, activity, count, total, limit, rowOwners, violations);
        }
        lags.sort(Long::compare);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("activity", activity);
        out.put("total", total);
        out.put("remaining", remaining);
        out.put("granted_ledger", granted);
        out.put("rows", rows);
        out.put("client_granted", clientGranted);
        out.put("drain_ms", drainMs);
        Map<String, Object> lag = new LinkedHashMap<>();
        lag.put("source", "user_coupons.created_at (server clock, ms) - granted_at_ms (ingress clock, same host)");
        lag.put("p50_ms", pct(lags, 50));
        lag.put("p99_ms", pct(lags, 99));
        lag.put("max_ms", lags.isEmpty() ? 0 : lags.get(lags.size() - 1));
        out.put("materialization_lag", lag);
        if (segments != null) {
            out.put("redis", segments);
        }
        out.put("violations", violations);
        out.put("ok", violations.isEmpty());
        String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        if (a.containsKey("out")) {
            Files.writeString(Path.of(a.get("out")), text);
        }
        System.out.println(text);
        System.exit(violations.isEmpty() ? 0 : 1);
    }

    /** At most this many messages per kind of violation; the rest are counted. */
    private static final int SHOWN = 20;

    private static void add(List<String> violations, Map<String, Integer> seen, String kind, String message) {
        int n = seen.merge(kind, 1, Integer::sum);
        if (n <= SHOWN) {
            violations.add(message);
        } else if (n == SHOWN + 1) {
            violations.add(kind + ": more than " + SHOWN + ", the rest not listed");
        }
    }

    /**
     * The Redis side of the check over every segment of the sale (see the class comment); adds what it
     * finds broken to {@code violations} and answers the figures it read.
     */
    private static Map<String, Object> checkRedis(Map<String, String> a, long activity, int count, long total, int limit,
            Map<String, Long> rowOwners, List<String> violations) {
        RedisClient single = null;
        RedisClusterClient cluster = null;
        StatefulConnection<String, String> conn;
        RedisClusterCommands<String, String> redis;
        if (a.containsKey("redis-cluster")) {
            List<RedisURI> seeds = new ArrayList<>();
            for (String node : a.get("redis-cluster").split(",")) {
                String[] hp = node.trim().split(":");
                seeds.add(RedisURI.create(hp[0], Integer.parseInt(hp[1])));
            }
            cluster = RedisClusterClient.create(seeds);
            StatefulRedisClusterConnection<String, String> c = cluster.connect();
            conn = c;
            redis = c.sync();
        } else {
            String[] hp = a.get("redis").split(":");
            single = RedisClient.create(RedisURI.create(hp[0], Integer.parseInt(hp[1])));
            StatefulRedisConnection<String, String> c = single.connect();
            conn = c;
            redis = c.sync();
        }
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            List<String> tags = SaleKeys.tags(activity, count);
            long stockSum = 0;
            Map<String, Long> ledgerOwners = new HashMap<>();
            List<Map<String, String>> transfers = new ArrayList<>();
            List<Map<String, Object>> perSegment = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String tag = tags.get(i);
                String stockText = redis.hget(SaleKeys.key(tag, "sale"), "stock");
                Map<String, Object> seg = new LinkedHashMap<>();
                seg.put("index", i);
                seg.put("tag", tag);
                seg.put("slot", io.lettuce.core.cluster.SlotHash.getSlot(tag));
                if (stockText == null) {
                    violations.add("segment " + i + " (" + SaleKeys.key(tag, "sale") + ") is not in Redis");
                    transfers.add(Map.of());
                    perSegment.add(seg);
                    continue;
                }
                long stock = Long.parseLong(stockText);
                if (stock < 0) {
                    violations.add("stock of segment " + i + " negative: " + stock);
                }
                stockSum += stock;
                Map<String, String> ledger = redis.hgetall(SaleKeys.key(tag, "ledger"));
                Map<String, String> users = redis.hgetall(SaleKeys.key(tag, "users"));
                Map<Long, Integer> perUser = new HashMap<>();
                for (Map.Entry<String, String> e : ledger.entrySet()) {
                    long user = Long.parseLong(e.getValue().split(":")[0]);
                    int home = SaleKeys.segmentOfUser(user, count);
                    if (home != i) {
                        add(violations, seen, "wrong segment", "grant " + e.getKey() + " of user " + user
                                + " is in the ledger of segment " + i + ", the user's segment is " + home);
                    }
                    if (ledgerOwners.put(e.getKey(), user) != null) {
                        add(violations, seen, "sn in two segments", "coupon_sn " + e.getKey() + " in two segments' ledgers");
                    }
                    perUser.merge(user, 1, Integer::sum);
                }
                for (Map.Entry<Long, Integer> e : perUser.entrySet()) {
                    if (e.getValue() > limit) {
                        add(violations, seen, "over limit", "user " + e.getKey() + " has " + e.getValue()
                                + " grants in the ledger of segment " + i + " > limit " + limit);
                    }
                    if (!Integer.toString(e.getValue()).equals(users.get(Long.toString(e.getKey())))) {
                        add(violations, seen, "users hash", "users hash of segment " + i + " says " + users.get(
                                Long.toString(e.getKey())) + " for user " + e.getKey() + ", its ledger " + e.getValue());
                    }
                }
                long usersSum = users.values().stream().mapToLong(Long::parseLong).sum();
                if (usersSum != ledger.size()) {
                    violations.add("users hash of segment " + i + " sums to " + usersSum + ", its ledger has " + ledger.size());
                }
                Set<String> voided = new HashSet<>(redis.hkeys(SaleKeys.key(tag, "void")));
                voided.retainAll(ledger.keySet());
                for (String sn : voided) {
                    add(violations, seen, "granted and voided", "coupon " + sn + " of segment " + i
                            + " both granted and voided");
                }
                Map<String, String> xfer = redis.hgetall(SaleKeys.key(tag, "xfer"));
                transfers.add(xfer);
                long lent = 0;
                long borrowed = 0;
                int in = 0;
                for (String record : xfer.values()) {
                    String[] f = record.split(":");
                    if (f.length >= 3 && f[0].equals("out")) {
                        lent += Long.parseLong(f[2]);
                    } else if (f.length >= 3 && f[0].equals("in")) {
                        borrowed += Long.parseLong(f[2]);
                        in++;
                    }
                }
                seg.put("stock", stock);
                seg.put("granted", ledger.size());
                seg.put("borrows", in);
                seg.put("borrowed", borrowed);
                seg.put("lent", lent);
                perSegment.add(seg);
            }
            long inFlight = 0;
            int inFlightIds = 0;
            for (int donor = 0; donor < transfers.size(); donor++) {
                for (Map.Entry<String, String> e : transfers.get(donor).entrySet()) {
                    String[] f = e.getValue().split(":");
                    if (f.length < 3 || !f[0].equals("out")) {
                        continue;
                    }
                    int receiver = Integer.parseInt(f[1]);
                    if (receiver < 0 || receiver >= transfers.size() || !transfers.get(receiver).containsKey(e.getKey())) {
                        inFlight += Long.parseLong(f[2]);
                        inFlightIds++;
                    }
                }
            }
            if (stockSum + inFlight + ledgerOwners.size() != total) {
                violations.add((stockSum + inFlight + ledgerOwners.size() > total ? "stock made" : "oversell or lost stock")
                        + ": segments' stock " + stockSum + " + in flight " + inFlight + " + ledgers " + ledgerOwners.size()
                        + " != total " + total);
            }
            for (Map.Entry<String, Long> e : ledgerOwners.entrySet()) {
                Long owner = rowOwners.get(e.getKey());
                if (owner == null) {
                    add(violations, seen, "grant without row", "ledger grant " + e.getKey() + " of user " + e.getValue()
                            + " has no row");
                } else if (!owner.equals(e.getValue())) {
                    add(violations, seen, "row of another user", "row " + e.getKey() + " belongs to user " + owner
                            + ", the ledger says " + e.getValue());
                }
            }
            for (String sn : rowOwners.keySet()) {
                if (!ledgerOwners.containsKey(sn)) {
                    add(violations, seen, "row without grant", "row " + sn + " has no ledger grant in any segment");
                }
            }
            out.put("segments_count", count);
            out.put("stock", stockSum);
            out.put("granted", ledgerOwners.size());
            out.put("in_flight", inFlight);
            out.put("in_flight_transfers", inFlightIds);
            out.put("segments", perSegment);
            return out;
        } finally {
            conn.close();
            if (cluster != null) {
                cluster.shutdown();
            }
            if (single != null) {
                single.shutdown();
            }
        }
    }

    private static long pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
