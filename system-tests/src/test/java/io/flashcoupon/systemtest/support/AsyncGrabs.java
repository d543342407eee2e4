package io.flashcoupon.systemtest.support;

import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends FlashSaleCoupon calls asynchronously, at most {@code inFlight} at once, and collects every
 * answer: real concurrency for the grab tests, one place for the window and the bookkeeping.
 */
public final class AsyncGrabs {

    /** What one call came to: its request, and either the response or the error (never both). */
    public record Answer(FlashSaleRequest request, FlashSaleResponse response, Throwable error) {}

    /** All answers, in completion order, and the most calls that were in flight at once. */
    public record Run(List<Answer> answers, int peakInFlight) {

        public List<FlashSaleResponse> responses() {
            return answers.stream().filter(a -> a.response() != null).map(Answer::response).toList();
        }

        public List<Throwable> errors() {
            return answers.stream().filter(a -> a.error() != null).map(Answer::error).toList();
        }
    }

    private AsyncGrabs() {}

    /**
     * Sends every request of {@code requests} with a deadline of {@code deadline} each, at most
     * {@code inFlight} at once; returns once all are answered, or throws when that takes longer than
     * {@code within}.
     */
    public static Run run(CouponGrpc.CouponStub stub, List<FlashSaleRequest> requests, int inFlight,
            Duration deadline, Duration within) throws InterruptedException {
        List<Answer> answers = Collections.synchronizedList(new ArrayList<>(requests.size()));
        Semaphore window = new Semaphore(inFlight);
        CountDownLatch done = new CountDownLatch(requests.size());
        AtomicInteger current = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        for (FlashSaleRequest request : requests) {
            window.acquire();
            peak.accumulateAndGet(current.incrementAndGet(), Math::max);
            stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).flashSaleCoupon(request,
                    new StreamObserver<>() {
                        private FlashSaleResponse response;

                        @Override
                        public void onNext(FlashSaleResponse r) {
                            response = r;
                        }

                        @Override
                        public void onError(Throwable t) {
                            finish(new Answer(request, null, t));
                        }

                        @Override
                        public void onCompleted() {
                            finish(new Answer(request, response, null));
                        }

                        private void finish(Answer a) {
                            answers.add(a);
                            current.decrementAndGet();
                            window.release();
                            done.countDown();
                        }
                    });
        }
        if (!done.await(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError((requests.size() - done.getCount()) + " of " + requests.size()
                    + " grabs answered within " + within);
        }
        return new Run(List.copyOf(answers), peak.get());
    }
}
