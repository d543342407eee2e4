package io.flashcoupon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * in Redis), ledger == rows in MySQL, per-user limit held in MySQL, and every coupon the load
 * generator was told GRANTED is a row. Also measures materialization lag from the rows
 * (created_at vs granted_at_ms, both on this machine's clock).
 *
 * <p>Usage: {@code InvariantCheck admin=http://127.0.0.1:8056 token=... jdbc=... user=... password=...
 * activity=N limit=1 grants=file wait-s=120 out=file.json}; token is an admin API bearer token (read
 * or operate), by default the dev token of the shipped srv.yaml.
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
        if (remaining + granted != total) {
            violations.add("oversell or lost stock: remaining " + remaining + " + granted " + granted + " != total " + total);
        }
        if (rows != granted) {
            violations.add("ledger " + granted + " != rows " + rows + " after " + drainMs + " ms");
        }
        Set<String> sns = new HashSet<>();
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
                    + " FLOOR(UNIX_TIMESTAMP(created_at) * 1000) FROM user_coupons WHERE activity_id=?")) {
                ps.setLong(1, activity);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sns.add(rs.getString(1));
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
                if (!sns.contains(sn)) {
                    violations.add("client saw GRANTED " + sn + " but MySQL has no such row");
                }
            }
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
        out.put("violations", violations);
        out.put("ok", violations.isEmpty());
        String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        if (a.containsKey("out")) {
            Files.writeString(Path.of(a.get("out")), text);
        }
        System.out.println(text);
        System.exit(violations.isEmpty() ? 0 : 1);
    }

    private static long pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
