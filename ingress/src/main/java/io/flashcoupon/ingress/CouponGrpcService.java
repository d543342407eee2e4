package io.flashcoupon.ingress;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.activity.Activity;
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
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.core.wallet.UserCouponStatus;
import io.flashcoupon.core.wallet.WalletCache;
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
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * coupon.v1.Coupon: FlashSaleCoupon, StartFlashSale, GetFlashSaleStatus, GetUserCoupons here; the
 * Saga branch RPCs delegate to {@link SagaBranchesGrpc}, the template, order and discount RPCs to
 * {@link WalletGrpc} (UNIMPLEMENTED when built without them).
 * Grabs run on a bounded executor; when it is full they are shed at once with RESOURCE_EXHAUSTED. Every
 * other RPC runs on its class's bounded executor ({@link RpcExecutors}: reads, Saga branches,
 * operator-ish), shed likewise, so reads and grabs cannot starve each other.
 * Every path of FlashSaleCoupon ends in one {@link GrabAnswer}, counted once, with its latency, in
 * {@link GrabMetrics} and sent as {@link GrabReplies} maps it; the other RPCs map exceptions to
 * statuses in {@link #answer(StreamObserver, Supplier)}.
 *
 * <p><b>Stale grabs.</b> The call's gRPC deadline is read on the transport thread; a grab whose
 * deadline, less {@code grabStartMargin} (the least time a grab needs), has passed when a grab
 * thread takes it is dropped with DEADLINE_EXCEEDED before it touches Redis: nothing changed, and a
 * client that gave up and retried is not contradicted by an attempt that ran after it. The Grabber
 * checks the same before each retry of an interrupted attempt.
 *
 * <p><b>Request ids: one outcome per request.</b> A request id names one logical grab; whatever its
 * attempts are told agrees - never GRANTED for one and a refusal (sold out, limit, ended, paused)
 * for another, never two coupons. Three mechanisms:
 * <ol>
 * <li>In this process an attempt leads its (activity, user, request id) from admission to its answer
 * ({@link InFlightRequests}); an attempt arriving meanwhile joins it and is answered the leader's
 * outcome (a grant as REPEATED). Its own deadline bounds the wait: then DEADLINE_EXCEEDED, retryable,
 * never a refusal. A leader dropped for its deadline changed nothing, so its joiners start over.
 * <li>Across processes the first definitive outcome is recorded in Redis, in the sale's request hash:
 * the grab script writes the coupon_sn or "!code" of a sold-out, limit, ended or paused refusal, and
 * every later attempt gets that outcome.
 * <li>A request refused locally by admission (this process's sold-out flag, an ended or paused sale
 * in its cache) is settled, not just looked up: the refusal is recorded unless an outcome is there
 * (settle.lua, HSETNX), and the recorded outcome is answered.
 * </ol>
 * Interleavings, A and B two attempts of one request id:
 * <ul>
 * <li>A queued on instance 1, B on instance 2 refused locally as sold out: B records "!2" and answers
 * SOLD_OUT; A then finds "!2" in the grab script and answers SOLD_OUT, even if a restock came in
 * between. Had A run first, B's settle would find A's coupon_sn and answer it (REPEATED).
 * <li>Restock mid-sale: A refused SOLD_OUT in Redis (recorded); the sale is restocked; B gets SOLD_OUT,
 * never a coupon. The new stock goes to other requests. A client wanting another try sends a new id.
 * <li>Pause and resume: A queued; the sale is paused; B refused locally as paused records "!6"; the
 * sale resumes; A runs and answers "paused" (the recorded refusal), not a grant.
 * <li>A's deadline passes while it is queued: A is dropped (DEADLINE_EXCEEDED, nothing recorded) and
 * B - which joined A, or came later - grabs for the request as if A never was.
 * <li>A's outcome is unknown (Redis or the broker failed mid-grab, UNAVAILABLE): if the script ran,
 * its outcome is recorded and B gets it; if not, B grabs afresh. Joined attempts get UNAVAILABLE too.
 * <li>Lettuce replays A's script after a lost reply: the ledger entry (same coupon_sn, user, seq)
 * answers GRANTED, or the recorded refusal answers again - the same outcome.
 * <li>Not started, SN_COLLISION, shedding and deadlines record nothing: no
 * outcome was decided, so a later attempt may still win.
 * <li>Cleanup removes the request hash with the sale: a retry is refused locally (ended), settle finds
 * no sale in Redis and the grant is read from the request's user_coupons row (REPEATED); a request
 * that was refused before cleanup is then answered ENDED - still a refusal, never a grant.
 * </ul>
 * Known gap: an outcome recorded in Redis is as durable as Redis's writes (appendfsync, WAITAOF): a
 * Redis that loses its last writes can lose a recorded refusal, and a retry of that request may then
 * be granted.
 */
public final class CouponGrpcService extends CouponGrpc.CouponImplBase {
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 200;

    private final GrabAdmission admission;
    private final Grabs grabs;
    private final FlashSales sales;
    private final SaleStatusReads status;
    private final UserCouponRepository coupons;
    private final WalletCache wallets;
    private final ExecutorService grabExecutor;
    private final RpcExecutors executors;
    private final GrabMetrics metrics;
    private final SagaBranchesGrpc saga;
    private final WalletGrpc wallet;
    private final AdminRpcAudit audit;
    private final long grabStartMarginNanos;
    private final InFlightRequests inFlight = new InFlightRequests();

    /**
     * Without the Saga branches and the wallet/template RPCs (they answer UNIMPLEMENTED) and without the
     * audit trail (the operators' RPCs answer UNAUTHENTICATED).
     */
    public CouponGrpcService(GrabAdmission admission, Grabs grabs, FlashSales sales, UserCouponRepository coupons,
            ExecutorService grabExecutor, GrabMetrics metrics, Duration grabStartMargin) {
        this(admission, grabs, sales, null, coupons, null, grabExecutor, RpcExecutors.direct(), metrics,
                grabStartMargin, null, null, null);
    }

    /**
     * {@code status} answers GetFlashSaleStatus; GetUserCoupons reads {@code wallets} (the user's cached
     * wallet; {@code coupons}, MySQL, for pages beyond it, or always when null); {@code saga} serves the four DTM branch RPCs, {@code wallet}
     * the template, order and discount RPCs; a grab is not started with less than {@code grabStartMargin}
     * left before its call's deadline; {@code audit} runs and records the operators' RPCs (StartFlashSale,
     * Create/UpdateCouponTemplate) for the caller {@link AdminRpcGate} admitted (null: they answer
     * UNAUTHENTICATED).
     */
    public CouponGrpcService(GrabAdmission admission, Grabs grabs, FlashSales sales, SaleStatusReads status,
            UserCouponRepository coupons, WalletCache wallets, ExecutorService grabExecutor, RpcExecutors executors,
            GrabMetrics metrics, Duration grabStartMargin, SagaBranchesGrpc saga, WalletGrpc wallet,
            AdminRpcAudit audit) {
        if (grabStartMargin.isNegative()) {
            throw new IllegalArgumentException("grab start margin must not be negative, was " + grabStartMargin);
        }
        this.saga = saga;
        this.wallet = wallet;
        this.audit = audit;
        this.admission = admission;
        this.grabs = grabs;
        this.sales = sales;
        this.status = status;
        this.coupons = coupons;
        this.wallets = wallets;
        this.grabExecutor = grabExecutor;
        this.executors = executors;
        this.metrics = metrics;
        this.grabStartMarginNanos = grabStartMargin.toNanos();
    }

    /**
     * One FlashSaleCoupon call: what it asked, where it answers, when it started, its gRPC context and
     * the latest moment a grab may start for it (its deadline less the margin; null without deadline).
     */
    private record Call(long activityId, long userId, String clientIp, String requestId,
            StreamObserver<FlashSaleResponse> out, long start, Context context, Deadline latestStart) {}

    /** The attempt leading its request id in this process: it must finish it on every path. */
    private record Lead(InFlightRequests.Key key, CompletableFuture<GrabAnswer> outcome) {}

    @Override
    public void flashSaleCoupon(FlashSaleRequest request, StreamObserver<FlashSaleResponse> out) {
        long start = metrics.start();
        // On the transport thread: the call's own context and deadline.
        Context context = Context.current();
        Deadline deadline = context.getDeadline();
        handle(new Call(request.getActivityId(), request.getUserId(),
                request.hasClientIp() ? request.getClientIp() : null,
                request.hasRequestId() ? request.getRequestId() : null, out, start, context,
                deadline == null ? null : deadline.offset(-grabStartMarginNanos, TimeUnit.NANOSECONDS)), false);
    }

    /**
     * Admission, then the local answer, the settle or the grab - or joining the request's attempt in
     * flight. {@code again}: the call waited for an attempt that was dropped unrun (admitted again,
     * not charged to the rate limits twice).
     */
    private void handle(Call call, boolean again) {
        GrabAdmission.Decision decision;
        try {
            decision = again ? admission.readmit(call.activityId, call.userId, call.clientIp, call.requestId)
                    : admission.admit(call.activityId, call.userId, call.clientIp, call.requestId);
        } catch (RuntimeException e) {
            reply(call, GrabAnswer.ofFailure(e), GrabMetrics.Path.LOCAL, null);
            return;
        }
        Lead lead = null;
        if (call.requestId != null && decision.activity() != null) {
            InFlightRequests.Key key = new InFlightRequests.Key(decision.activity().id(), call.userId, call.requestId);
            CompletableFuture<GrabAnswer> mine = new CompletableFuture<>();
            CompletableFuture<GrabAnswer> first = inFlight.lead(key, mine);
            if (first != null) {
                join(call, first);
                return;
            }
            lead = new Lead(key, mine);
        }
        GrabAnswer refusal = decision.answer();
        if (refusal != null && refusal.rejection() != null) {
            // Refused by admission; a request id's settle below may still find its earlier outcome.
            metrics.rejected(refusal.rejection());
        }
        if (refusal != null && !decision.lookup()) {
            reply(call, refusal, GrabMetrics.Path.LOCAL, lead);
            return;
        }
        if (decision.lookup()) {
            // One Redis script, answered on Lettuce's thread: no grab thread, no broker.
            Lead settling = lead;
            try {
                grabs.settle(refusal, decision.activity(), call.userId, call.requestId)
                        .thenAccept(a -> reply(call, a, GrabMetrics.Path.REDIS, settling));
            } catch (RuntimeException e) {
                reply(call, GrabAnswer.ofFailure(e), GrabMetrics.Path.REDIS, lead);
            }
            return;
        }
        Lead grabbing = lead;
        try {
            grabExecutor.execute(() -> grabAndAnswer(call, decision.activity(), grabbing));
        } catch (RejectedExecutionException e) {
            GrabAnswer shed = GrabAnswer.shed(GrabMetrics.Rejection.IN_FLIGHT, "too many grabs in flight; retry shortly");
            metrics.rejected(shed.rejection());
            reply(call, shed, GrabMetrics.Path.LOCAL, lead);
        }
    }

    /**
     * Waits for {@code first}, the answer of the attempt leading this call's request id, bounded by
     * this call's own deadline (or cancellation): DEADLINE_EXCEEDED then, never a refusal. A leader
     * dropped for its deadline changed nothing: this call then starts over.
     */
    private void join(Call call, CompletableFuture<GrabAnswer> first) {
        metrics.joined();
        AtomicBoolean settled = new AtomicBoolean();
        Context.CancellationListener gaveUp = ctx -> {
            if (settled.compareAndSet(false, true)) {
                reply(call, GrabAnswer.deadlineExceeded("the call ended while an earlier attempt of request_id "
                        + call.requestId + " was still in flight; retry with the same request_id to learn its"
                        + " outcome"), GrabMetrics.Path.QUEUE, null);
            }
        };
        call.context.addListener(gaveUp, Runnable::run);
        first.whenComplete((a, e) -> {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            call.context.removeListener(gaveUp);
            if (a.verdict() == GrabAnswer.Verdict.DEADLINE_EXCEEDED) {
                handle(call, true);
            } else {
                reply(call, GrabAnswer.joined(a), GrabMetrics.Path.REDIS, null);
            }
        });
    }

    /**
     * On the grab executor: the grab and its answer, unless the call's deadline left no time to start
     * it (dropped before Redis, nothing changed). A failure is logged with the grab's activity_id,
     * user_id and trace_id as structured fields.
     */
    private void grabAndAnswer(Call call, Activity activity, Lead lead) {
        if (call.latestStart != null && call.latestStart.isExpired()) {
            reply(call, GrabAnswer.deadlineExceeded("the call's deadline passed, or left no time to grab, while it"
                    + " waited for a grab thread; nothing was changed"), GrabMetrics.Path.QUEUE, lead);
            return;
        }
        GrabAnswer a;
        try {
            a = grabs.grab(activity, call.userId, call.requestId, call.latestStart);
        } catch (RuntimeException e) {
            a = GrabAnswer.ofFailure(e);
        }
        if (a.failed()) {
            try (LogFields fields = LogFields.of(activity.id(), call.userId, null)) {
                reply(call, a, GrabMetrics.Path.REDIS, lead);
            }
        } else {
            reply(call, a, GrabMetrics.Path.REDIS, lead);
        }
    }

    /**
     * Counts {@code a} once, with the call's latency on {@code path}, and sends it; then, when the call
     * leads its request id, hands {@code a} to the attempts that joined it.
     */
    private void reply(Call call, GrabAnswer a, GrabMetrics.Path path, Lead lead) {
        try {
            metrics.answered(a, path, call.start);
            GrabReplies.reply(a).sendTo(call.out);
        } finally {
            if (lead != null) {
                inFlight.finish(lead.key, lead.outcome, a);
            }
        }
    }

    @Override
    public void startFlashSale(StartFlashSaleRequest request, StreamObserver<StartFlashSaleResponse> out) {
        answer(RpcExecutors.Kind.ADMIN, out, () -> audited(AuditedRpc.START_FLASH_SALE, request.getActivityId(), () -> {
            requirePositive("activity_id", request.getActivityId());
            return StartFlashSaleResponse.newBuilder()
                    .setActivity(ProtoMapper.activity(sales.start(request.getActivityId()))).build();
        }, r -> r.getActivity().getId()));
    }

    @Override
    public void getFlashSaleStatus(FlashSaleStatusRequest request, StreamObserver<FlashSaleStatusResponse> out) {
        answer(RpcExecutors.Kind.READ, out, () -> {
            requirePositive("activity_id", request.getActivityId());
            SaleStatusReads.View s = required(status).status(request.getActivityId());
            FlashSaleStatusResponse.Builder b = FlashSaleStatusResponse.newBuilder()
                    .setActivity(ProtoMapper.activity(s.activity()))
                    .setGrantedCount(s.figures().granted());
            if (s.figures().remaining() != null) {
                b.setRemainingCount(s.figures().remaining());
            }
            return b.build();
        });
    }

    @Override
    public void getUserCoupons(GetUserCouponsRequest request, StreamObserver<UserCouponsResponse> out) {
        answer(RpcExecutors.Kind.READ, out, () -> {
            requirePositive("user_id", request.getUserId());
            int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
            if (size < 1 || size > MAX_PAGE) {
                throw new InvalidInputException("page_size", "must be between 1 and " + MAX_PAGE + ", was " + size);
            }
            long before = PageToken.before(request.getPageToken());
            UserCouponStatus wanted = request.hasStatus() ? ProtoMapper.status(request.getStatus()) : null;
            long from = before;
            List<UserCoupon> page = wallets == null ? coupons.listByUser(request.getUserId(), wanted, before, size)
                    : wallets.page(request.getUserId(), wanted, before, size)
                            .orElseGet(() -> coupons.listByUser(request.getUserId(), wanted, from, size));
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
        answer(RpcExecutors.Kind.SAGA, out, () -> required(saga).lock(request));
    }

    @Override
    public void unlockUserCoupon(UnlockCouponRequest request, StreamObserver<BranchResponse> out) {
        answer(RpcExecutors.Kind.SAGA, out, () -> required(saga).unlock(request));
    }

    @Override
    public void useLockedCoupon(UseCouponRequest request, StreamObserver<UseCouponResponse> out) {
        answer(RpcExecutors.Kind.SAGA, out, () -> required(saga).use(request));
    }

    @Override
    public void revertUsedCoupon(RevertCouponRequest request, StreamObserver<BranchResponse> out) {
        answer(RpcExecutors.Kind.SAGA, out, () -> required(saga).revert(request));
    }

    // ------------------------------------------------------------------ templates, orders, discounts

    @Override
    public void createCouponTemplate(CreateTemplateRequest request, StreamObserver<TemplateResponse> out) {
        answer(RpcExecutors.Kind.ADMIN, out, () -> audited(AuditedRpc.CREATE_TEMPLATE, 0,
                () -> required(wallet).create(request), r -> r.getTemplate().getId()));
    }

    @Override
    public void updateCouponTemplate(UpdateTemplateRequest request, StreamObserver<TemplateResponse> out) {
        answer(RpcExecutors.Kind.ADMIN, out, () -> audited(AuditedRpc.UPDATE_TEMPLATE, request.getTemplate().getId(),
                () -> required(wallet).update(request), r -> r.getTemplate().getId()));
    }

    @Override
    public void getCouponTemplate(GetTemplateRequest request, StreamObserver<TemplateResponse> out) {
        answer(RpcExecutors.Kind.READ, out, () -> required(wallet).get(request));
    }

    @Override
    public void listCouponTemplates(ListTemplatesRequest request, StreamObserver<ListTemplatesResponse> out) {
        answer(RpcExecutors.Kind.READ, out, () -> required(wallet).list(request));
    }

    @Override
    public void getAvailableCouponsForOrder(OrderCouponsRequest request, StreamObserver<AvailableCouponsResponse> out) {
        answer(RpcExecutors.Kind.READ, out, () -> required(wallet).availableForOrder(request));
    }

    @Override
    public void calculateDiscount(CalculateDiscountRequest request, StreamObserver<DiscountResponse> out) {
        answer(RpcExecutors.Kind.READ, out, () -> required(wallet).calculate(request));
    }

    /** An operator's RPC: checked and recorded by {@link AdminRpcAudit}; never run without it. */
    private <T> T audited(AuditedRpc rpc, long targetId, Supplier<T> body, java.util.function.Function<T, Long> createdId) {
        if (audit == null) {
            throw Status.UNAUTHENTICATED.withDescription(AdminRpcGate.unauthenticated(rpc)).asRuntimeException();
        }
        return audit.run(rpc, targetId, body, createdId);
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

    /**
     * Runs {@code body} on {@code kind}'s bounded executor, never on the transport thread, with the call's
     * gRPC context (deadline, cancellation); a call cancelled or past its deadline while it waited is not
     * run. A full executor answers RESOURCE_EXHAUSTED at once.
     */
    private <T> void answer(RpcExecutors.Kind kind, StreamObserver<T> out, Supplier<T> body) {
        Context context = Context.current();
        try {
            executors.execute(kind, context.wrap(() -> {
                if (!context.isCancelled()) {
                    answer(out, body);
                }
            }));
        } catch (RejectedExecutionException e) {
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription("too many " + kind.name().toLowerCase(
                    java.util.Locale.ROOT) + " calls in flight on this instance; retry shortly").asRuntimeException());
        }
    }

    /** Runs {@code body} and turns its result or exception ({@link RpcErrors}) into the call's reply or status. */
    private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
        T reply;
        try {
            reply = body.get();
        } catch (RuntimeException e) {
            out.onError(RpcErrors.status(e));
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }
}
