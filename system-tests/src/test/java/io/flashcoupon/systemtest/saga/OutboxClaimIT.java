package io.flashcoupon.systemtest.saga;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.outbox.Outbox;
import io.flashcoupon.systemtest.support.ServiceHarness;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two outbox relays (as on two instances) claiming the same backlog at once, five times: every row
 * is taken by exactly one of them, and a deadlock between their claims is retried, not surfaced. The rows are parked under a live claim of a third owner first and claimed
 * with a clock two hours ahead, so the service's own relay (real clock) leaves them alone.
 */
class OutboxClaimIT {

    @Test
    void two_relays_claim_a_backlog_without_taking_any_row_twice() throws Exception {
        for (int round = 0; round < 5; round++) {
            race();
        }
    }

    /** One backlog of 300 rows, drained by two relays at once. */
    private static void race() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        long now = System.currentTimeMillis();
        String run = UUID.randomUUID().toString();
        int rows = 300;
        try (Connection c = h.service.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO coupon_outbox (event_id, event_type, message_key, body, created_at_ms, relay_owner,"
                        + " relay_until_ms) VALUES (?,?,?,?,?,?,?)")) {
            for (int i = 0; i < rows; i++) {
                ps.setString(1, "it-claim-" + run + "-" + i);
                ps.setString(2, "CouponExpired");
                ps.setString(3, "it-claim");
                ps.setBytes(4, new byte[] {1});
                ps.setLong(5, now);
                ps.setString(6, "parked-" + run);
                ps.setLong(7, now + 3_600_000);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Outbox outbox = new Outbox(h.service.dataSource());
        long later = now + 7_200_000;
        ExecutorService two = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        try {
            Future<List<String>> a = two.submit(() -> drain(outbox, "relay-a-" + run, later, go, run));
            Future<List<String>> b = two.submit(() -> drain(outbox, "relay-b-" + run, later, go, run));
            go.countDown();
            List<String> byA = a.get(60, TimeUnit.SECONDS);
            List<String> byB = b.get(60, TimeUnit.SECONDS);
            assertThat(byA).as("relay a took no row twice").doesNotHaveDuplicates();
            assertThat(byB).as("relay b took no row twice").doesNotHaveDuplicates();
            Set<String> both = new HashSet<>(byA);
            both.retainAll(byB);
            assertThat(both).isEmpty();
            Set<String> all = new HashSet<>(byA);
            all.addAll(byB);
            assertThat(all.stream().filter(id -> id.startsWith("it-claim-" + run))).hasSize(rows);
            assertThat(byA).isNotEmpty();
            assertThat(byB).isNotEmpty();
            assertThat(count(h, "SELECT COUNT(*) FROM coupon_outbox WHERE event_id LIKE ? AND published_at_ms IS NULL",
                    "it-claim-" + run + "-%")).as("rows of this backlog left unsent").isZero();
        } finally {
            two.shutdownNow();
            // Rows of other tests the relays claimed (the claim clock runs two hours ahead) go back to the
            // service's own relay, unsent: only this backlog was marked published.
            count(h, "UPDATE coupon_outbox SET relay_owner=NULL, relay_until_ms=NULL WHERE relay_owner LIKE ?",
                    "relay-_-" + run);
        }
    }

    private static long count(ServiceHarness h, String sql, String param) throws Exception {
        try (Connection c = h.service.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            if (!ps.execute()) {
                return ps.getUpdateCount();
            }
            try (var rs = ps.getResultSet()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Claims small batches until nothing is left, as the relay does, and marks this run's rows sent;
     * rows of other tests stay claimed (so they are not taken again) and are handed back afterwards.
     */
    private static List<String> drain(Outbox outbox, String owner, long nowMs, CountDownLatch go, String run)
            throws Exception {
        go.await();
        List<String> taken = new ArrayList<>();
        while (true) {
            List<Outbox.Pending> batch = outbox.claim(owner, nowMs, 3_600_000, 7);
            if (batch.isEmpty()) {
                return taken;
            }
            for (Outbox.Pending p : batch) {
                taken.add(p.eventId());
                if (p.eventId().startsWith("it-claim-" + run)) {
                    outbox.published(p.id(), nowMs);
                }
            }
        }
    }
}
