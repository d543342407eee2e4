package io.flashcoupon.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.GrabCode;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.core.sale.ledger.LedgerCheckBack;
import io.flashcoupon.ingress.GrabMetrics.Answer;
import io.flashcoupon.ingress.GrabMetrics.Path;
import io.flashcoupon.ingress.GrabMetrics.Rejection;
import io.flashcoupon.ingress.admission.AdmissionRejectedException;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.junit.jupiter.api.Test;

class GrabMetricsTest {
    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final GrabMetrics metrics = new GrabMetrics(registry);

    @Test
    void every_script_code_has_the_answer_grab_replies_gives_it() {
        assertThat(Answer.of(GrabCode.GRANTED)).isEqualTo(Answer.GRANTED);
        assertThat(Answer.of(GrabCode.SOLD_OUT)).isEqualTo(Answer.SOLD_OUT);
        assertThat(Answer.of(GrabCode.LIMIT_REACHED)).isEqualTo(Answer.LIMIT_REACHED);
        assertThat(Answer.of(GrabCode.NOT_STARTED)).isEqualTo(Answer.NOT_STARTED);
        assertThat(Answer.of(GrabCode.ENDED)).isEqualTo(Answer.ENDED);
        assertThat(Answer.of(GrabCode.NOT_ACTIVE)).isEqualTo(Answer.NOT_ACTIVE);
        assertThat(Answer.of(GrabCode.NOT_IN_REDIS)).isEqualTo(Answer.NOT_IN_REDIS);
        assertThat(Answer.of(GrabCode.REPEATED)).isEqualTo(Answer.REPEATED);
        assertThat(Answer.of(GrabCode.VOIDED)).as("replied UNAVAILABLE").isEqualTo(Answer.UNAVAILABLE);
        assertThat(Answer.of(GrabCode.SEQ_STALE)).as("replied UNAVAILABLE").isEqualTo(Answer.UNAVAILABLE);
    }

    @Test
    void failures_are_labelled_by_the_status_they_become() {
        assertThat(Answer.of(new InvalidInputException("user_id", "must be positive"))).isEqualTo(Answer.INVALID);
        assertThat(Answer.of(new NotFoundException("activity 9 does not exist"))).isEqualTo(Answer.NOT_FOUND);
        assertThat(Answer.of(new AdmissionRejectedException(AdmissionRejectedException.Reason.USER_RATE, "slow down")))
                .isEqualTo(Answer.SHED);
        assertThat(Answer.of(new GrabUnavailableException("broker down", null))).isEqualTo(Answer.UNAVAILABLE);
        assertThat(Answer.of(new SaleStoreException("Redis timeout", null))).isEqualTo(Answer.UNAVAILABLE);
        assertThat(Answer.of(new IllegalStateException("bug"))).isEqualTo(Answer.INTERNAL);
    }

    @Test
    void labels_are_prometheus_snake_case() {
        assertThat(Arrays.stream(Answer.values()).map(a -> a.label)).containsExactly("granted", "sold_out",
                "limit_reached", "not_started", "ended", "not_active", "not_in_redis", "repeated", "unavailable",
                "invalid", "not_found", "shed", "internal");
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
        assertThat(Rejection.of(AdmissionRejectedException.Reason.IP_RATE)).isEqualTo(Rejection.IP_RATE);
        assertThat(Rejection.of(AdmissionRejectedException.Reason.IN_FLIGHT)).isEqualTo(Rejection.IN_FLIGHT);
    }

    @Test
    void an_answer_counts_once_under_its_code_and_times_the_call_on_its_path() {
        long start = metrics.start();
        clock.add(Duration.ofMillis(3));
        metrics.answered(Answer.SOLD_OUT, Path.REDIS, start);

        assertThat(registry.get("coupon.grab.outcomes").tag("code", "sold_out").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.grab.outcomes").tag("code", "granted").counter().count()).isZero();
        Timer redis = registry.get("coupon.grab.duration").tag("path", "redis").timer();
        assertThat(redis.count()).isEqualTo(1);
        assertThat(redis.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3.0);
        assertThat(registry.get("coupon.grab.duration").tag("path", "local").timer().count()).isZero();
    }

    @Test
    void every_series_exists_before_its_first_event() {
        assertThat(registry.get("coupon.grab.outcomes").counters()).hasSize(Answer.values().length);
        assertThat(registry.get("coupon.admission.rejections").counters()).hasSize(Rejection.values().length);
        assertThat(registry.get("coupon.tx.sends").counters()).hasSize(GrabMetrics.TxSend.values().length);
        assertThat(registry.get("coupon.tx.checkbacks").counters()).hasSize(3);
    }

    @Test
    void sends_and_check_backs_count_by_result() {
        metrics.sent(GrabMetrics.TxSend.SEND_FAILED);
        metrics.checkedBack(LocalTransactionState.UNKNOW);
        metrics.checkedBack(LocalTransactionState.COMMIT_MESSAGE);
        metrics.checkedBack(LocalTransactionState.COMMIT_MESSAGE);

        assertThat(registry.get("coupon.tx.sends").tag("result", "send_failed").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "unknown").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "commit").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("coupon.tx.checkbacks").tag("resolution", "rollback").counter().count()).isZero();
    }

    @Test
    void the_checker_reports_every_answer_it_gives() {
        LedgerCheckBack checker = new LedgerCheckBack((a, sn) -> false, metrics::checkedBack);
        checker.check(name -> name.equals(io.flashcoupon.core.Registry.PROP_ACTIVITY_ID) ? "4" : "0000000000000000001");
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
