package io.flashcoupon.ingress;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.sale.GrabCode;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.LocalTransactionState;

/**
 * The grab's meters: every FlashSaleCoupon answer once by its verdict ({@link GrabAnswer.Verdict}),
 * its latency by path, admission refusals by reason, grabs in flight, the transactional send's local
 * decision and the broker's check-backs, coupon_sn collisions, and calls that joined an earlier
 * attempt of their request id. Every series is registered here at construction, so recording is an array or
 * EnumMap lookup and an add: no tag lookup or String building per request.
 */
public final class GrabMetrics {

    /** Where a grab was answered: label {@code path} of coupon_grab_duration_seconds. */
    public enum Path {
        /** In the process, from admission, without Redis or the broker. */
        LOCAL,
        /**
         * After Redis: the grab (on the grab executor, inside the transactional send), a request id's
         * settle, or the answer of the earlier attempt of its request id that the call joined.
         */
        REDIS,
        /** Without Redis, after waiting: dropped from the grab queue or from a join for its deadline. */
        QUEUE;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** Why admission refused a grab before Redis: label {@code reason} of coupon_admission_rejections_total. */
    public enum Rejection {
        USER_RATE, IP_RATE, IN_FLIGHT,
        /** This process saw the sale sold out within sold-out-recheck-ms. */
        SOLD_OUT_FLAG,
        /** An active sale outside its [start, end) window. */
        WINDOW,
        /** The sale's status refuses: not started by an operator, paused, ended. */
        STATUS;

        final String label = name().toLowerCase(Locale.ROOT);

        /** The reason of admission's local refusal {@code code} of a sale in status {@code status}. */
        public static Rejection ofLocal(GrabCode code, ActivityStatus status) {
            return switch (code) {
                case SOLD_OUT -> SOLD_OUT_FLAG;
                case NOT_STARTED -> WINDOW;
                case ENDED -> status == ActivityStatus.ACTIVE ? WINDOW : STATUS;
                default -> STATUS;
            };
        }
    }

    private final Clock clock;
    private final Map<GrabAnswer.Verdict, Counter> answers = new EnumMap<>(GrabAnswer.Verdict.class);
    private final Timer[] durations = new Timer[Path.values().length];
    private final Map<Rejection, Counter> rejections = new EnumMap<>(Rejection.class);
    private final Counter checkBackCommit;
    private final Counter checkBackRollback;
    private final Counter checkBackUnknown;
    private final Counter snCollisions;
    private final Counter joins;

    /** Registers the grab's meters in {@code registry}. */
    public GrabMetrics(MeterRegistry registry) {
        this.clock = registry.config().clock();
        for (GrabAnswer.Verdict v : GrabAnswer.Verdict.values()) {
            answers.put(v, Counter.builder(Registry.METER_GRAB_OUTCOMES).tag("code", v.label)
                    .description("FlashSaleCoupon calls by the answer they got, each call counted once")
                    .register(registry));
        }
        for (Path p : Path.values()) {
            durations[p.ordinal()] = Timer.builder(Registry.METER_GRAB_DURATION).tag("path", p.label)
                    .description("FlashSaleCoupon from call start to its answer")
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofNanos(500_000))
                    .maximumExpectedValue(Duration.ofSeconds(5))
                    .register(registry);
        }
        for (Rejection r : Rejection.values()) {
            rejections.put(r, Counter.builder("coupon.admission.rejections").tag("reason", r.label)
                    .description("grabs refused by admission before any Redis grab")
                    .register(registry));
        }
        this.checkBackCommit = checkBackCounter(registry, "commit");
        this.checkBackRollback = checkBackCounter(registry, "rollback");
        this.checkBackUnknown = checkBackCounter(registry, "unknown");
        this.snCollisions = Counter.builder("coupon.grab.sn.collisions")
                .description("grabs whose coupon_sn was already in the ledger as another grab's (two instances with"
                        + " one node id, a clock stepped back); each was retried with a fresh coupon_sn")
                .register(registry);
        this.joins = Counter.builder("coupon.grab.request.joins")
                .description("calls that waited for an earlier attempt of their request id in this process and"
                        + " were answered its outcome instead of grabbing again")
                .register(registry);
    }

    private static Counter checkBackCounter(MeterRegistry registry, String resolution) {
        return Counter.builder("coupon.tx.checkbacks").tag("resolution", resolution)
                .description("broker check-backs of CouponGrabbed half messages by the answer given")
                .register(registry);
    }

    /** Gauges of the grab executor: grabs in flight (running + queued), its queue capacity and threads. */
    public static void bindExecutor(ThreadPoolExecutor executor, MeterRegistry registry) {
        Gauge.builder("coupon.grabs.in.flight", executor, e -> e.getActiveCount() + e.getQueue().size())
                .strongReference(true)
                .description("grabs running or queued on the grab executor")
                .register(registry);
        Gauge.builder("coupon.grab.queue.capacity", executor,
                        e -> e.getQueue().size() + e.getQueue().remainingCapacity())
                .description("grabs the executor queues beyond its threads before shedding")
                .register(registry);
        Gauge.builder("coupon.grab.threads", executor, ThreadPoolExecutor::getMaximumPoolSize)
                .description("threads of the grab executor")
                .register(registry);
    }

    /** Now, for {@link #answered}: the registry clock's monotonic nanoseconds. */
    public long start() {
        return clock.monotonicTime();
    }

    /** One FlashSaleCoupon call answered {@code answer} on {@code path}, started at {@link #start()}. */
    public void answered(GrabAnswer answer, Path path, long startNanos) {
        answers.get(answer.verdict()).increment();
        durations[path.ordinal()].record(clock.monotonicTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    public void rejected(Rejection reason) {
        rejections.get(reason).increment();
    }

    /** A grab found its coupon_sn in the ledger as another grab's (it is retried with a fresh one). */
    void snCollision() {
        snCollisions.increment();
    }

    /** A call joined an earlier attempt of its request id. */
    void joined() {
        joins.increment();
    }

    /** One check-back answered {@code state}. */
    public void checkedBack(LocalTransactionState state) {
        switch (state) {
            case COMMIT_MESSAGE -> checkBackCommit.increment();
            case ROLLBACK_MESSAGE -> checkBackRollback.increment();
            case UNKNOW -> checkBackUnknown.increment();
        }
    }
}
