package io.flashcoupon.ingress;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.discount.DiscountException;
import io.flashcoupon.core.observe.LogFields;
import io.flashcoupon.ingress.saga.SagaBranchesGrpc;
import io.flashcoupon.proto.v1.AvailableCouponsResponse;
import io.flashcoupon.proto.v1.BranchResponse;
import io.flashcoupon.proto.v1.CalculateDiscountRequest;
import io.flashcoupon.proto.v1.CreateTemplateRequest;
import io.flashcoupon.proto.v1.DiscountResponse;
import io.flashcoupon.proto.v1.GetTemplateRequest;
import io.flashcoupon.proto.v1.ListTemplatesRequest;
import io.flashcoupon.proto.v1.ListTemplatesResponse;
import io.flashcoupon.proto.v1.LockCouponRequest;
import io.flashcoupon.proto.v1.OrderCouponsRequest;
import io.flashcoupon.proto.v1.RevertCouponRequest;
import io.flashcoupon.proto.v1.TemplateResponse;
import io.flashcoupon.proto.v1.UnlockCouponRequest;
import io.flashcoupon.proto.v1.UpdateTemplateRequest;
import io.flashcoupon.proto.v1.UseCouponRequest;
import io.flashcoupon.proto.v1.UseCouponResponse;
import io.flashcoupon.core.sale.FlashSales;
import io.flashcoupon.core.sale.SaleStoreException;
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.ingress.admission.GrabAdmission;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.FlashSaleStatusRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusResponse;
import io.flashcoupon.proto.v1.GetUserCouponsRequest;
import io.flashcoupon.proto.v1.StartFlashSaleRequest;
import io.flashcoupon.proto.v1.StartFlashSaleResponse;
import io.flashcoupon.proto.v1.UserCouponsResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * coupon.v1.Coupon: FlashSaleCoupon, StartFlashSale, GetFlashSaleStatus, GetUserCoupons here; the
 * Saga branch RPCs delegate to {@link SagaBranchesGrpc}, the template, order and discount RPCs to
 * {@link WalletGrpc} (UNIMPLEMENTED when built without them).
 * Grabs run on a bounded executor; when it is full they are shed at once with RESOURCE_EXHAUSTED.
 * Every path of FlashSaleCoupon ends in one {@link GrabAnswer}, counted once, with its latency, in
 * {@link GrabMetrics} and sent as {@link GrabReplies} maps it; the other RPCs map exceptions to
 * statuses in {@link #answer(StreamObserver, Supplier)}.
 */
public final class CouponGrpcService extends CouponGrpc.CouponImplBase {
    private static final Logger log = LoggerFactory.getLogger(CouponGrpcService.class);
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 200;

    private final GrabAdmission admission;
    private final Grabs grabs;
    private final FlashSales sales;
    private final UserCouponRepository coupons;
    private final ExecutorService grabExecutor;
    private final GrabMetrics metrics;
    private final SagaBranchesGrpc saga;
    private final WalletGrpc wallet;

    /** Without the Saga branches and the wallet/template RPCs (they answer UNIMPLEMENTED). */
    public CouponGrpcService(GrabAdmission admission, Grabs grabs, FlashSales sales, UserCouponRepository coupons,
            ExecutorService grabExecutor, GrabMetrics metrics) {
        this(admission, grabs, sales, coupons, grabExecutor, metrics, null, null);
    }

    /** {@code saga} serves the four DTM branch RPCs, {@code wallet} the template, order and discount RPCs. */
    public CouponGrpcService(GrabAdmission admission, Grabs grabs, FlashSales sales, UserCouponRepository coupons,
            ExecutorService grabExecutor, GrabMetrics metrics, SagaBranchesGrpc saga, WalletGrpc wallet) {
        this.saga = saga;
        this.wallet = wallet;
        this.admission = admission;
        this.grabs = grabs;
        this.sales = sales;
        this.coupons = coupons;
        this.grabExecutor = grabExecutor;
        this.metrics = metrics;
    }

    @Override
    public void flashSaleCoupon(FlashSaleRequest request, StreamObserver<FlashSaleResponse> out) {
        long start = metrics.start();
        long userId = request.getUserId();
        String requestId = request.hasRequestId() ? request.getRequestId() : null;
        GrabAdmission.Decision decision;
        try {
            decision = admission.admit(request.getActivityId(), userId,
                    request.hasClientIp() ? request.getClientIp() : null, requestId);
        } catch (RuntimeException e) {
            reply(out, GrabAnswer.ofFailure(e), GrabMetrics.Path.LOCAL, start);
            return;
        }
        GrabAnswer refusal = decision.answer();
        if (refusal != null && refusal.rejection() != null) {
            // Refused by admission; a retry's lookup below may still find its earlier grant.
            metrics.rejected(refusal.rejection());
        }
        if (refusal != null && !decision.lookup()) {
            reply(out, refusal, GrabMetrics.Path.LOCAL, start);
            return;
        }
        if (decision.lookup()) {
            // One Redis read, answered on Lettuce's thread: no grab thread, no broker.
            try {
                grabs.previousGrantOr(refusal, decision.activity().id(), userId, requestId)
                        .thenAccept(a -> reply(out, a, GrabMetrics.Path.REDIS, start));
            } catch (RuntimeException e) {
                reply(out, GrabAnswer.ofFailure(e), GrabMetrics.Path.REDIS, start);
            }
            return;
        }
        try {
            grabExecutor.execute(() -> grabAndAnswer(out, decision.activity(), userId, requestId, start));
        } catch (RejectedExecutionException e) {
            GrabAnswer shed = GrabAnswer.shed(GrabMetrics.Rejection.IN_FLIGHT, "too many grabs in flight; retry shortly");
            metrics.rejected(shed.rejection());
            reply(out, shed, GrabMetrics.Path.LOCAL, start);
        }
    }

    /**
     * On the grab executor: the grab and its answer. A failure is logged with the grab's
     * activity_id, user_id and trace_id as structured fields.
     */
    private void grabAndAnswer(StreamObserver<FlashSaleResponse> out, Activity activity, long userId,
            String requestId, long start) {
        GrabAnswer a;
        try {
            a = grabs.grab(activity, userId, requestId);
        } catch (RuntimeException e) {
            a = GrabAnswer.ofFailure(e);
        }
        if (a.failed()) {
            try (LogFields fields = LogFields.of(activity.id(), userId, null)) {
                reply(out, a, GrabMetrics.Path.REDIS, start);
            }
        } else {
            reply(out, a, GrabMetrics.Path.REDIS, start);
        }
    }

    /** Counts {@code a} once, with the call's latency on {@code path}, and sends it. */
    private void reply(StreamObserver<FlashSaleResponse> out, GrabAnswer a, GrabMetrics.Path path, long start) {
        metrics.answered(a, path, start);
        GrabReplies.reply(a).sendTo(out);
    }

    @Override
    public void startFlashSale(StartFlashSaleRequest request, StreamObserver<StartFlashSaleResponse> out) {
        answer(out, () -> {
            requirePositive("activity_id", request.getActivityId());
            return StartFlashSaleResponse.newBuilder()
                    .setActivity(ProtoMapper.activity(sales.start(request.getActivityId()))).build();
        });
    }

    @Override
    public void getFlashSaleStatus(FlashSaleStatusRequest request, StreamObserver<FlashSaleStatusResponse> out) {
        answer(out, () -> {
            requirePositive("activity_id", request.getActivityId());
            FlashSales.SaleStatus s = sales.status(request.getActivityId());
            FlashSaleStatusResponse.Builder b = FlashSaleStatusResponse.newBuilder()
                    .setActivity(ProtoMapper.activity(s.activity()))
                    .setGrantedCount(s.granted())
                    .setMaterializedCount(s.materialized());
            if (s.remaining() != null) {
                b.setRemainingCount(s.remaining());
            }
            return b.build();
        });
    }

    @Override
    public void getUserCoupons(GetUserCouponsRequest request, StreamObserver<UserCouponsResponse> out) {
        answer(out, () -> {
            requirePositive("user_id", request.getUserId());
            int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
            if (size < 1 || size > MAX_PAGE) {
                throw new InvalidInputException("page_size", "must be between 1 and " + MAX_PAGE + ", was " + size);
            }
            long before = 0;
            if (!request.getPageToken().isEmpty()) {
                try {
                    before = Long.parseLong(request.getPageToken());
                } catch (NumberFormatException e) {
                    throw new InvalidInputException("page_token", "is not a token this service issued");
                }
            }
            List<UserCoupon> page = coupons.listByUser(request.getUserId(),
                    request.hasStatus() ? ProtoMapper.status(request.getStatus()) : null, before, size);
            UserCouponsResponse.Builder b = UserCouponsResponse.newBuilder();
            page.forEach(c -> b.addCoupons(ProtoMapper.coupon(c)));
            if (page.size() == size) {
                b.setNextPageToken(Long.toString(page.get(page.size() - 1).id()));
            }
            return b.build();
        });
    }

    // ------------------------------------------------------------------ Saga branches (DTM gRPC mode)

    @Override
    public void lockUserCoupon(LockCouponRequest request, StreamObserver<BranchResponse> out) {
        answer(out, () -> required(saga).lock(request));
    }

    @Override
    public void unlockUserCoupon(UnlockCouponRequest request, StreamObserver<BranchResponse> out) {
        answer(out, () -> required(saga).unlock(request));
    }

    @Override
    public void useLockedCoupon(UseCouponRequest request, StreamObserver<UseCouponResponse> out) {
        answer(out, () -> required(saga).use(request));
    }

    @Override
    public void revertUsedCoupon(RevertCouponRequest request, StreamObserver<BranchResponse> out) {
        answer(out, () -> required(saga).revert(request));
    }

    // ------------------------------------------------------------------ templates, orders, discounts

    @Override
    public void createCouponTemplate(CreateTemplateRequest request, StreamObserver<TemplateResponse> out) {
        answer(out, () -> required(wallet).create(request));
    }

    @Override
    public void updateCouponTemplate(UpdateTemplateRequest request, StreamObserver<TemplateResponse> out) {
        answer(out, () -> required(wallet).update(request));
    }

    @Override
    public void getCouponTemplate(GetTemplateRequest request, StreamObserver<TemplateResponse> out) {
        answer(out, () -> required(wallet).get(request));
    }

    @Override
    public void listCouponTemplates(ListTemplatesRequest request, StreamObserver<ListTemplatesResponse> out) {
        answer(out, () -> required(wallet).list(request));
    }

    @Override
    public void getAvailableCouponsForOrder(OrderCouponsRequest request, StreamObserver<AvailableCouponsResponse> out) {
        answer(out, () -> required(wallet).availableForOrder(request));
    }

    @Override
    public void calculateDiscount(CalculateDiscountRequest request, StreamObserver<DiscountResponse> out) {
        answer(out, () -> required(wallet).calculate(request));
    }

    private static <T> T required(T part) {
        if (part == null) {
            throw Status.UNIMPLEMENTED.withDescription("not served by this instance").asRuntimeException();
        }
        return part;
    }

    private static void requirePositive(String field, long value) {
        if (value <= 0) {
            throw new InvalidInputException(field, "must be positive, was " + value);
        }
    }

    /** Runs {@code body} and turns its result or exception into the call's reply or status. */
    private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
        T reply;
        try {
            reply = body.get();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (InvalidInputException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (NotFoundException e) {
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (ConflictException e) {
            out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (DiscountException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (DataAccessException e) {
            log.warn("database unavailable: {} (cause: {})", e.getMessage(), String.valueOf(e.getCause()));
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (SaleStoreException e) {
            log.warn("Redis unavailable: {} (cause: {})", e.getMessage(), String.valueOf(e.getCause()));
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (RuntimeException e) {
            log.error("unexpected failure", e);
            out.onError(Status.INTERNAL.withDescription("internal error").asRuntimeException());
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }
}
