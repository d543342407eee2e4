package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.GrabResult;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.core.sale.ledger.LedgerCheckBack;
import io.flashcoupon.ingress.GrabAnswer.Verdict;
import io.flashcoupon.ingress.GrabMetrics.Path;
import io.flashcoupon.ingress.GrabMetrics.Rejection;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.junit.jupiter.api.Test;

class GrabMetricsTest {
    private static final Activity SALE = new Activity(5, 1, "a", 10, Instant.EPOCH, Instant.EPOCH.plusSeconds(60), 1,
            ActivityStatus.ACTIVE);
    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final GrabMetrics metrics = new GrabMetrics(registry);

    private static Verdict verdict(GrabCode code) {
        return GrabAnswer.of(SALE, new GrabResult(code, 0, 1, "0000000000000000001")).verdict();
    }

    @Test
    void every_script_code_has_the_verdict_it_is_answered_and_counted_under() {
        assertThat(verdict(GrabCode.GRANTED)).isEqualTo(Verdict.GRANTED);
        assertThat(verdict(GrabCode.SOLD_OUT)).isEqualTo(Verdict.SOLD_OUT);
        assertThat(verdict(GrabCode.LIMIT_REACHED)).isEqualTo(Verdict.LIMIT_REACHED);
        assertThat(verdict(GrabCode.NOT_STARTED)).isEqualTo(Verdict.NOT_STARTED);
        assertThat(verdict(GrabCode.ENDED)).isEqualTo(Verdict.ENDED);
        assertThat(verdict(GrabCode.NOT_ACTIVE)).isEqualTo(Verdict.NOT_ACTIVE);
        assertThat(verdict(GrabCode.NOT_IN_REDIS)).isEqualTo(Verdict.NOT_IN_REDIS);
        assertThat(verdict(GrabCode.REPEATED)).isEqualTo(Verdict.REPEATED);
        assertThat(verdict(GrabCode.FENCED)).as("replied UNAVAILABLE").isEqualTo(Verdict.UNAVAILABLE);
        assertThat(verdict(GrabCode.SN_COLLISION)).as("never a grant: replied UNAVAILABLE once retries are spent")
                .isEqualTo(Verdict.UNAVAILABLE);
    }

    @Test
    void failures_are_labelled_by_the_status_they_become() {
        assertThat(GrabAnswer.ofFailure(new InvalidInputException("user_id", "must be positive")).verdict())
                .isEqualTo(Verdict.INVALID);
        assertThat(GrabAnswer.ofFailure(new NotFoundException("activity 9 does not exist")).verdict())
                .isEqualTo(Verdict.NOT_FOUND);
        assertThat(GrabAnswer.shed(Rejection.USER_RATE, "slow down").verdict()).isEqualTo(Verdict.SHED);
        assertThat(GrabAnswer.unavailable("broker down", null).verdict()).isEqualTo(Verdict.UNAVAILABLE);
        assertThat(GrabAnswer.ofFailure(new SaleStoreException("Redis timeout", null)).verdict())
                .isEqualTo(Verdict.UNAVAILABLE);
        assertThat(GrabAnswer.ofFailure(new DataAccessException("MySQL went away", null)).verdict())
                .isEqualTo(Verdict.UNAVAILABLE);
        assertThat(GrabAnswer.ofFailure(new IllegalStateException("bug")).verdict()).isEqualTo(Verdict.INTERNAL);
    }

    @Test
    void labels_are_prometheus_snake_case() {
        assertThat(Arrays.stream(Verdict.values()).map(v -> v.label)).containsExactly("granted", "sold_out",
                "limit_reached", "not_started", "ended", "not_active", "not_in_redis", "repeated", "unavailable",
                "deadline_exceeded", "invalid", "not_found", "shed", "internal");
        assertThat(Arrays.stream(Rejection.values()).map(r -> r.label))
                .containsExactly("user_rate", "ip_rate", "in_flight", "sold_out_flag", "window", "status");
    }

    @Test
    void local_refusals_are_told_apart_by_window_status_and_sold_out_flag() {
        assertThat(Rejection.ofLocal(GrabCode.SOLD_OUT, ActivityStatus.ACTIVE)).isEqualTo(Rejection.SOLD_OUT_FLAG);
        assertThat(Rejection.ofLocal(GrabCode.NOT_STARTED, ActivityStatus.ACTIVE)).isEqualTo(Rejection.WINDOW);
        assertThat(Rejection.ofLocal(GrabCode.ENDED, ActivityStatus.ACTIVE)).as("past end_time").isEqualTo(Rejection.WINDOW);
        assertThat(Rejection.ofLocal(GrabCode.ENDED, ActivityStatus.ENDED)).as("ended by status").isEqualTo(Rejection.STATUS);
        assertThat(Rejection.ofLocal(GrabCode.NOT_ACTIVE, ActivityStatus.PAUSED)).isEqualTo(Rejection.STATUS);
        assertThat(Rejection.ofLocal(GrabCode.NOT_IN_REDIS, ActivityStatus.PENDING)).isEqualTo(Rejection.STATUS);
    }

    @Test
    void an_answer_counts_once_under_its_code_and_times_the_call_on_its_path() {
        long start = metrics.start();
        clock.add(Duration.ofMillis(3));
        metrics.answered(GrabAnswer.of(SALE, new GrabResult(GrabCode.SOLD_OUT, 0, 0, null)), Path.REDIS, start);

        assertThat(registry.get("coupon.grab.outcomes").tag("code", "sold_out").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.grab.outcomes").tag("code", "granted").counter().count()).isZero();
        Timer redis = registry.get("coupon.grab.duration").tag("path", "redis").timer();
        assertThat(redis.count()).isEqualTo(1);
        assertThat(redis.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3.0);
        assertThat(registry.get("coupon.grab.duration").tag("path", "local").timer().count()).isZero();
    }

    @Test
    void every_series_exists_before_its_first_event() {
        assertThat(registry.get("coupon.grab.outcomes").counters()).hasSize(Verdict.values().length);
        assertThat(registry.get("coupon.admission.rejections").counters()).hasSize(Rejection.values().length);
        assertThat(registry.get("coupon.tx.checkbacks").counters()).hasSize(3);
    }

    @Test
    void check_backs_count_by_result() {
        metrics.checkedBack(LocalTransactionState.UNKNOW);
        metrics.checkedBack(LocalTransactionState.COMMIT_MESSAGE);
        metrics.checkedBack(LocalTransactionState.COMMIT_MESSAGE);

        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "unknown").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "commit").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "rollback").counter().count()).isZero();
    }

    @Test
    void the_checker_reports_every_answer_it_gives() {
        LedgerCheckBack checker = new LedgerCheckBack((a, sn, grantee) -> false, metrics::checkedBack);
        checker.check(name -> name.equals(io.flashcoupon.core.Registry.PROP_ACTIVITY_ID) ? "4"
                : name.equals(io.flashcoupon.core.Registry.PROP_COUPON_SN) ? "0000000000000000001" : null);
        checker.check(name -> null);

        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "rollback").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "unknown").counter().count()).isEqualTo(1.0);
    }

    @Test
    void grabs_in_flight_are_the_running_plus_the_queued() throws Exception {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            GrabMetrics.bindExecutor(executor, registry);
            executor.execute(() -> {
                running.countDown();
                await(release);
            });
            executor.execute(() -> { });
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(registry.get("coupon.grabs.in.flight").gauge().value()).isEqualTo(2.0);
            assertThat(registry.get("coupon.grab.queue.capacity").gauge().value()).isEqualTo(4.0);
            assertThat(registry.get("coupon.grab.threads").gauge().value()).isEqualTo(1.0);
        } finally {
            release.countDown();
            executor.shutdown();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
