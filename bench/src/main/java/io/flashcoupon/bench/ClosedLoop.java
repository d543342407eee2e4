package io.flashcoupon.bench;

import io.flashcoupon.proto.v1.CouponGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One RPC in closed loop: {@code inFlight} calls outstanding at all times for {@code warmSeconds}
 * (unrecorded: the JIT of both sides) and then {@code seconds} (recorded). Only answers that arrive
 * inside the recorded window count towards the rate; latency is from each call's send.
 */
final class ClosedLoop {
    /** Sends call number {@code i} on {@code stub}, answering into {@code reply.observer()}. */
    interface Rpc {
        void call(CouponGrpc.CouponStub stub, long i, Reply reply);
    }

    /** The answer of one call, typed to whatever the RPC returns. */
    abstract static class Reply {
        abstract void done(Object value, Throwable error);

        <T> StreamObserver<T> observer() {
            return new StreamObserver<>() {
                private Object value;

                @Override
                public void onNext(T v) {
                    value = v;
                }

                @Override
                public void onError(Throwable t) {
                    done(null, t);
                }

                @Override
                public void onCompleted() {
                    done(value, null);
                }
            };
        }
    }

    /** Thrown into the stats for an answer the run did not expect (e.g. a grab GRANTED on a sold-out sale). */
    static final class UnexpectedAnswer extends RuntimeException {
        UnexpectedAnswer(Object value) {
            super("unexpected answer: " + String.valueOf(value).replace('\n', ' '), null, false, false);
        }
    }

    private ClosedLoop() {}

    static Map<String, Object> run(String name, Supplier<CouponGrpc.CouponStub> stubs, Rpc rpc,
            Predicate<Object> expected, int inFlight, double warmSeconds, double seconds) throws InterruptedException {
        RpcStats stats = new RpcStats(name);
        Semaphore window = new Semaphore(inFlight);
        long begin = System.nanoTime();
        long measureFrom = begin + (long) (warmSeconds * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        long i = 0;
        while (System.nanoTime() < end) {
            window.acquire();
            long sent = System.nanoTime();
            rpc.call(stubs.get().withDeadlineAfter(10, TimeUnit.SECONDS), i++, new Reply() {
                @Override
                void done(Object value, Throwable error) {
                    long now = System.nanoTime();
                    if (now >= measureFrom && now <= end) {
                        if (error != null) {
                            stats.failed(error, sent, now);
                        } else if (!expected.test(value)) {
                            stats.failed(new UnexpectedAnswer(value), sent, now);
                        } else {
                            stats.ok(sent, now);
                        }
                    }
                    window.release();
                }
            });
        }
        window.acquire(inFlight);
        Map<String, Object> out = stats.summary(seconds);
        out.put("in_flight", inFlight);
        return out;
    }
}
