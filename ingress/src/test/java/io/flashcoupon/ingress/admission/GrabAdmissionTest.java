package io.flashcoupon.ingress.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.ingress.ActivityCache;
import io.flashcoupon.ingress.GrabAnswer.Verdict;
import io.flashcoupon.ingress.GrabMetrics.Rejection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GrabAdmissionTest {
    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    static final class ManualClock extends Clock {
        long millis = NOW.toEpochMilli();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final Map<Long, Activity> store = new HashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private final SoldOutFlags soldOut = new SoldOutFlags(1000, clock::millis);

    private GrabAdmission admission(int perUser, int perIp) {
        ActivityCache cache = new ActivityCache(id -> {
            loads.incrementAndGet();
            return Optional.ofNullable(store.get(id));
        }, Duration.ofMinutes(1));
        return new GrabAdmission(cache, new RateLimiter<>(perUser, 1000, clock::millis), perUser,
                perIp == 0 ? null : new RateLimiter<>(perIp, 1000, clock::millis), perIp, soldOut, clock);
    }

    private Activity put(long id, ActivityStatus status, Instant start, Instant end) {
        Activity a = new Activity(id, 1, "a", 10, start, end, 1, status);
        store.put(id, a);
        return a;
    }

    private Activity running(long id) {
        return put(id, ActivityStatus.ACTIVE, NOW.minusSeconds(60), NOW.plusSeconds(60));
    }

    @Test
    void a_running_sale_is_admitted_for_the_redis_grab() {
        Activity a = running(1);
        GrabAdmission.Decision d = admission(5, 0).admit(1, 7, null, null);
        assertThat(d.answer()).isNull();
        assertThat(d.activity()).isEqualTo(a);
    }

    @Test
    void a_call_admitted_again_after_waiting_for_its_request_is_checked_again_but_not_charged_twice() {
        running(1);
        GrabAdmission admission = admission(1, 0);
        assertThat(admission.admit(1, 7, null, "r1").answer()).as("the user's one grab this second").isNull();
        assertThat(admission.readmit(1, 7, null, "r1").answer()).as("the same call, again").isNull();
        assertThat(admission.admit(1, 7, null, "r2").answer().rejection()).as("a new call is charged")
                .isEqualTo(Rejection.USER_RATE);
        soldOut.markSoldOut(1);
        assertThat(admission.readmit(1, 7, null, "r1").answer().verdict()).as("the sale is checked again")
                .isEqualTo(Verdict.SOLD_OUT);
    }

    @Test
    void bad_arguments_and_unknown_activities_are_refused_and_unknown_ids_are_cached() {
        GrabAdmission admission = admission(5, 0);
        assertThat(admission.admit(0, 7, null, null).answer()).satisfies(a -> {
            assertThat(a.verdict()).isEqualTo(Verdict.INVALID);
            assertThat(a.message()).isEqualTo("activity_id must be positive, was 0");
        });
        assertThat(admission.admit(1, -1, null, null).answer().message()).contains("user_id");
        running(1);
        assertThat(admission.admit(1, 7, null, "a:b").answer().message()).contains("request_id");
        assertThat(admission.admit(1, 7, null, "x".repeat(65)).answer().message()).contains("request_id");
        for (int i = 0; i < 100; i++) {
            assertThat(admission.admit(404, 7, null, null).answer()).satisfies(a -> {
                assertThat(a.verdict()).isEqualTo(Verdict.NOT_FOUND);
                assertThat(a.message()).contains("activity 404 does not exist");
            });
        }
        assertThat(loads).as("bad arguments load nothing; 100 lookups of 404 load it once").hasValue(1);
    }

    @Test
    void window_and_status_are_answered_locally() {
        put(1, ActivityStatus.ACTIVE, NOW.plusSeconds(10), NOW.plusSeconds(60));
        put(2, ActivityStatus.ACTIVE, NOW.minusSeconds(60), NOW);
        put(3, ActivityStatus.ENDED, NOW.minusSeconds(60), NOW.plusSeconds(60));
        put(4, ActivityStatus.PAUSED, NOW.minusSeconds(60), NOW.plusSeconds(60));
        put(5, ActivityStatus.PENDING, NOW.minusSeconds(60), NOW.plusSeconds(60));
        GrabAdmission admission = admission(100, 0);
        assertThat(admission.admit(5, 7, null, "r").answer().verdict())
                .as("a sale this database has not started is never grabbed from Redis").isEqualTo(Verdict.NOT_IN_REDIS);
        assertThat(admission.admit(5, 7, null, "r").lookup()).isFalse();
        assertThat(admission.admit(1, 7, null, null).answer().verdict()).isEqualTo(Verdict.NOT_STARTED);
        assertThat(admission.admit(2, 7, null, null).answer().verdict()).isEqualTo(Verdict.ENDED);
        assertThat(admission.admit(3, 7, null, null).answer().verdict()).isEqualTo(Verdict.ENDED);
        assertThat(admission.admit(4, 7, null, null).answer().verdict()).isEqualTo(Verdict.NOT_ACTIVE);
        assertThat(admission.admit(1, 7, null, null).answer().rejection()).isEqualTo(Rejection.WINDOW);
        assertThat(admission.admit(2, 7, null, null).answer().rejection()).as("past end_time").isEqualTo(Rejection.WINDOW);
        assertThat(admission.admit(3, 7, null, null).answer().rejection()).isEqualTo(Rejection.STATUS);
        assertThat(admission.admit(4, 7, null, null).answer().rejection()).isEqualTo(Rejection.STATUS);
    }

    @Test
    void a_sold_out_sale_is_answered_locally_until_the_flag_is_cleared_or_rechecked() {
        running(1);
        GrabAdmission admission = admission(100, 0);
        soldOut.markSoldOut(1);
        assertThat(admission.admit(1, 7, null, null).answer().verdict()).isEqualTo(Verdict.SOLD_OUT);
        GrabAdmission.Decision retry = admission.admit(1, 7, null, "retry-1");
        assertThat(retry.lookup()).as("a retry with a request id looks up its original outcome").isTrue();
        assertThat(retry.answer().verdict()).isEqualTo(Verdict.SOLD_OUT);
        assertThat(retry.answer().rejection()).isEqualTo(Rejection.SOLD_OUT_FLAG);
        soldOut.clear(1);
        assertThat(admission.admit(1, 8, null, null).answer()).isNull();
        soldOut.markSoldOut(1);
        clock.millis += 1000;
        assertThat(admission.admit(1, 9, null, null).answer()).as("re-checked after sold-out-recheck-ms").isNull();
    }

    @Test
    void a_user_over_the_per_second_limit_is_shed_until_the_next_second() {
        running(1);
        GrabAdmission admission = admission(5, 0);
        for (int i = 0; i < 5; i++) {
            admission.admit(1, 7, null, null);
        }
        assertThat(admission.admit(1, 7, null, null).answer()).satisfies(a -> {
            assertThat(a.verdict()).isEqualTo(Verdict.SHED);
            assertThat(a.rejection()).isEqualTo(Rejection.USER_RATE);
            assertThat(a.message()).contains("5 grabs per second");
        });
        assertThat(admission.admit(1, 8, null, null).answer()).as("other users unaffected").isNull();
        clock.millis += 1000;
        assertThat(admission.admit(1, 7, null, null).answer()).isNull();
    }

    @Test
    void the_per_ip_limit_applies_across_users_when_configured() {
        running(1);
        GrabAdmission admission = admission(100, 3);
        for (int u = 1; u <= 3; u++) {
            admission.admit(1, u, "10.0.0.1", null);
        }
        assertThat(admission.admit(1, 4, "10.0.0.1", null).answer()).satisfies(a -> {
            assertThat(a.verdict()).isEqualTo(Verdict.SHED);
            assertThat(a.rejection()).isEqualTo(Rejection.IP_RATE);
        });
        assertThat(admission.admit(1, 4, "10.0.0.2", null).answer()).isNull();
    }
}
