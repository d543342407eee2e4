package io.flashcoupon.ingress.saga;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.saga.BranchContext;
import io.flashcoupon.core.saga.BranchResult;
import io.flashcoupon.core.saga.CouponBranches;
import io.flashcoupon.discount.OrderLine;
import io.flashcoupon.ingress.DiscountProtos;
import io.flashcoupon.proto.v1.BranchResponse;
import io.flashcoupon.proto.v1.LockCouponRequest;
import io.flashcoupon.proto.v1.RevertCouponRequest;
import io.flashcoupon.proto.v1.UnlockCouponRequest;
import io.flashcoupon.proto.v1.UseCouponRequest;
import io.flashcoupon.proto.v1.UseCouponResponse;
import io.flashcoupon.proto.v1.UserCouponStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Locale;

/**
 * The Saga branch RPCs in DTM's gRPC mode. DTM's contract: OK = SUCCESS; ABORTED = FAILURE (the
 * Saga rolls back), description "<refusal>: <reason>"; other statuses (UNAVAILABLE on a database
 * failure) = retry later. A call without DTM's metadata is INVALID_ARGUMENT (without dtm-gid it never
 * gets here: {@link DtmMetadata} refuses it UNAUTHENTICATED); malformed fields of a
 * DTM action are ABORTED (retrying them cannot help). A compensation never answers ABORTED - DTM
 * retries a failed compensation for ever - so malformed fields (or an unusable DTM context) there
 * are OK with effect UNREADABLE. {@link DtmMetadata} admits only DTM's calls.
 */
public final class SagaBranchesGrpc {
    private final CouponBranches branches;

    public SagaBranchesGrpc(CouponBranches branches) {
        this.branches = branches;
    }

    public BranchResponse lock(LockCouponRequest r) {
        BranchContext b = context();
        check(r.getUserId(), r.getCouponId(), r.getOrderSn());
        if (r.getShippingFeeCents() < 0) {
            throw aborted("invalid_argument", "shipping_fee_cents: must not be negative");
        }
        if (r.getItemsCount() == 0 && r.getShippingFeeCents() != 0) {
            throw aborted("invalid_argument", "items: must list the order lines when shipping_fee_cents is set");
        }
        // No items: a lock without the order (compatibility), judged on the order first at use.
        return branch(branches.lock(b, r.getUserId(), r.getCouponId(), r.getOrderSn(),
                DiscountProtos.lines(r.getItemsList()), r.getShippingFeeCents()));
    }

    public BranchResponse unlock(UnlockCouponRequest r) {
        return compensation("unlock", r.getUserId(), r.getCouponId(), r.getOrderSn(), branches::unlock);
    }

    public UseCouponResponse use(UseCouponRequest r) {
        BranchContext b = context();
        check(r.getUserId(), r.getCouponId(), r.getOrderSn());
        if (r.getItemsCount() == 0) {
            throw aborted("invalid_argument", "items: must list the order lines");
        }
        List<OrderLine> lines = DiscountProtos.lines(r.getItemsList());
        BranchResult res = branches.use(b, r.getUserId(), r.getCouponId(), r.getOrderSn(), lines,
                r.getShippingFeeCents(), r.getOrderCouponIdsList(),
                r.hasExpectedDiscountCents() ? r.getExpectedDiscountCents() : null);
        refusedToStatus(res);
        UseCouponResponse.Builder out = UseCouponResponse.newBuilder().setEffect(res.effect().name());
        if (res.status() != null) {
            out.setStatus(UserCouponStatus.forNumber(res.status().code()));
        }
        if (res.discount() != null) {
            out.setDiscount(DiscountProtos.response(res.discount()));
        }
        return out.build();
    }

    public BranchResponse revert(RevertCouponRequest r) {
        return compensation("revert", r.getUserId(), r.getCouponId(), r.getOrderSn(), branches::revert);
    }

    private interface Compensation {
        BranchResult run(BranchContext b, long couponId);
    }

    /** A compensation: the same checks as its action's, but what fails them is UNREADABLE, not ABORTED. */
    private BranchResponse compensation(String name, long userId, long couponId, String orderSn, Compensation c) {
        BranchContext b;
        try {
            b = context();
        } catch (InvalidInputException e) {
            if (DtmMetadata.GID.get() == null || !BranchContext.COMPENSATE.equals(DtmMetadata.OP.get())) {
                throw e;
            }
            return branch(branches.unreadableContext(name, e.getMessage()));
        }
        String problem = problem(userId, couponId, orderSn);
        if (problem != null && b.compensation()) {
            return branch(branches.unreadableCompensation(name, b, problem));
        }
        if (problem != null) {
            throw aborted("invalid_argument", problem);
        }
        return branch(c.run(b, couponId));
    }

    private static BranchResponse branch(BranchResult res) {
        refusedToStatus(res);
        BranchResponse.Builder out = BranchResponse.newBuilder().setEffect(res.effect().name());
        if (res.status() != null) {
            out.setStatus(UserCouponStatus.forNumber(res.status().code()));
        }
        if (res.discount() != null) {
            out.setDiscount(DiscountProtos.response(res.discount()));
        }
        return out.build();
    }

    private static void refusedToStatus(BranchResult res) {
        if (res.refused()) {
            throw aborted(res.refusal().name().toLowerCase(Locale.ROOT), res.message());
        }
    }

    /** DTM's context of the call; an unusable one of a DTM action is ABORTED (a retry cannot help). */
    private static BranchContext context() {
        try {
            return BranchContext.of(DtmMetadata.TRANS_TYPE.get(), DtmMetadata.GID.get(), DtmMetadata.BRANCH_ID.get(),
                    DtmMetadata.OP.get());
        } catch (InvalidInputException e) {
            if (DtmMetadata.GID.get() != null && BranchContext.ACTION.equals(DtmMetadata.OP.get())) {
                throw aborted("invalid_argument", e.getMessage());
            }
            throw e;
        }
    }

    private static void check(long userId, long couponId, String orderSn) {
        String problem = problem(userId, couponId, orderSn);
        if (problem != null) {
            throw aborted("invalid_argument", problem);
        }
    }

    /** What is wrong with a branch request's fields; null when nothing is. */
    private static String problem(long userId, long couponId, String orderSn) {
        if (userId <= 0) {
            return "user_id: must be positive, was " + userId;
        }
        if (couponId <= 0) {
            return "coupon_id: must be positive, was " + couponId;
        }
        if (orderSn.isBlank() || orderSn.length() > 64) {
            return "order_sn: must be 1-64 characters";
        }
        return null;
    }

    private static StatusRuntimeException aborted(String code, String message) {
        return Status.ABORTED.withDescription(code + ": " + message).asRuntimeException();
    }
}
