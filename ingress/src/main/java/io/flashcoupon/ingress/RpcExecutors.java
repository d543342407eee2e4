package io.flashcoupon.ingress;

import io.flashcoupon.core.config.ServiceConfig;
import io.flashcoupon.core.runtime.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Where the non-grab RPCs run: one bounded executor per class of RPC, so a read storm cannot starve
 * the Saga branches or the grabs (which have their own grab executor), and the other way round. None
 * runs on a gRPC transport thread and none queues without bound: a full executor rejects the call at
 * once ({@link #execute} throws) and the service answers RESOURCE_EXHAUSTED, counted in
 * coupon_rpc_shed_total{class}.
 */
public final class RpcExecutors {
    /** Classes of RPC, each with its own threads and queue (business.reads.*). */
    public enum Kind {
        /** GetFlashSaleStatus, template reads, wallet reads, discounts. */
        READ,
        /** The four DTM Saga branches. */
        SAGA,
        /** StartFlashSale and template writes. */
        ADMIN
    }

    private final Map<Kind, Executor> executors;
    private final Map<Kind, ThreadPoolExecutor> pools;
    private final Map<Kind, Counter> shed = new EnumMap<>(Kind.class);

    private RpcExecutors(Map<Kind, Executor> executors, Map<Kind, ThreadPoolExecutor> pools) {
        this.executors = executors;
        this.pools = pools;
    }

    /** Every class on the calling thread, never shed (tests of the RPCs' own logic). */
    public static RpcExecutors direct() {
        Map<Kind, Executor> direct = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            direct.put(k, Runnable::run);
        }
        return new RpcExecutors(direct, Map.of());
    }

    /**
     * A pool per class sized by {@code reads}; {@code wrap} decorates each (context propagation for
     * tracing; identity otherwise).
     */
    public static RpcExecutors bounded(ServiceConfig.Reads reads, UnaryOperator<Executor> wrap) {
        Map<Kind, ThreadPoolExecutor> pools = new EnumMap<>(Kind.class);
        pools.put(Kind.READ, pool("read", reads.readThreads(), reads.readQueue()));
        pools.put(Kind.SAGA, pool("saga", reads.sagaThreads(), reads.sagaQueue()));
        pools.put(Kind.ADMIN, pool("rpc-admin", reads.adminThreads(), reads.adminQueue()));
        Map<Kind, Executor> wrapped = new EnumMap<>(Kind.class);
        pools.forEach((k, p) -> wrapped.put(k, wrap.apply(p)));
        return new RpcExecutors(wrapped, pools);
    }

    /** {@code threads} threads, {@code queue} waiting calls (0: none wait), rejecting beyond. */
    static ThreadPoolExecutor pool(String name, int threads, int queue) {
        BlockingQueue<Runnable> q = queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
        return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, q, DaemonThreads.named(name),
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code task} on {@code kind}'s executor; RejectedExecutionException when it is full. */
    public void execute(Kind kind, Runnable task) {
        try {
            executors.get(kind).execute(task);
        } catch (RejectedExecutionException e) {
            Counter c = shed.get(kind);
            if (c != null) {
                c.increment();
            }
            throw e;
        }
    }

    /**
     * coupon_rpc_shed_total{class}: calls refused RESOURCE_EXHAUSTED; coupon_rpc_in_flight{class}: calls
     * running or queued; coupon_rpc_capacity{class}: threads + queue.
     */
    public void bindTo(MeterRegistry registry) {
        for (Kind k : Kind.values()) {
            String tag = k.name().toLowerCase(Locale.ROOT);
            shed.put(k, Counter.builder("coupon.rpc.shed").tag("class", tag)
                    .description("RPCs refused RESOURCE_EXHAUSTED because their class's executor was full")
                    .register(registry));
            ThreadPoolExecutor p = pools.get(k);
            if (p != null) {
                Gauge.builder("coupon.rpc.in.flight", p, e -> e.getActiveCount() + e.getQueue().size()).tag("class", tag)
                        .strongReference(true).description("RPCs of the class running or queued").register(registry);
                Gauge.builder("coupon.rpc.capacity", p, e -> e.getMaximumPoolSize() + e.getQueue().size()
                        + e.getQueue().remainingCapacity()).tag("class", tag)
                        .description("threads plus queue of the class's executor").register(registry);
            }
        }
    }

    /** Stops taking calls and waits up to {@code millis} for the running ones. */
    public void shutdown(long millis) throws InterruptedException {
        pools.values().forEach(ThreadPoolExecutor::shutdown);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (ThreadPoolExecutor p : pools.values()) {
            p.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }
}
