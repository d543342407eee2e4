package io.flashcoupon.bench;

import io.flashcoupon.proto.v1.AvailableCouponsResponse;
import io.flashcoupon.proto.v1.CouponGrpc;
import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.flashcoupon.proto.v1.FlashSaleResponse;
import io.flashcoupon.proto.v1.FlashSaleStatusRequest;
import io.flashcoupon.proto.v1.FlashSaleStatusResponse;
import io.flashcoupon.proto.v1.GetTemplateRequest;
import io.flashcoupon.proto.v1.GetUserCouponsRequest;
import io.flashcoupon.proto.v1.GrabCode;
import io.flashcoupon.proto.v1.OrderCouponsRequest;
import io.flashcoupon.proto.v1.OrderItem;
import io.flashcoupon.proto.v1.UserCouponsResponse;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The standalone read runs of scripts/bench: each RPC alone in closed loop ({@code in-flight}, 128),
 * after the sold-out grab run that is their yardstick (same loop, same in-flight count, on a sold-out
 * sale, each call a new user with its own request id - what a late shopper's click costs).
 *
 * <ul>
 * <li>GetFlashSaleStatus and GetCouponTemplate of the sold-out sale ({@code activity});
 * <li>GetUserCoupons over the winners of a sale run ({@code winners}: the grants file, user in the third column);
 * <li>GetAvailableCouponsForOrder of one user holding {@code wallet-size} coupons, won first through the
 *     normal grab path on {@code wallet-activity} (stock and per-user limit {@code wallet-size}).
 * </ul>
 */
final class ReadRuns {
    /** An order every FULL_CUT coupon of the bench's templates fits: 2 x 50.00 + 8.00 shipping. */
    static final OrderCouponsRequest.Builder ORDER = OrderCouponsRequest.newBuilder()
            .addItems(OrderItem.newBuilder().setGoodsId(1001).setQuantity(2).setUnitPriceCents(5_000).setCategoryId(10))
            .setShippingFeeCents(800);

    private final Supplier<CouponGrpc.CouponStub> stubs;
    private final Map<String, String> args;

    ReadRuns(Supplier<CouponGrpc.CouponStub> stubs, Map<String, String> args) {
        this.stubs = stubs;
        this.args = args;
    }

    Map<String, Object> run() throws Exception {
        long activity = Long.parseLong(args.get("activity"));
        int inFlight = Integer.parseInt(args.getOrDefault("in-flight", "128"));
        double warm = Double.parseDouble(args.getOrDefault("warm-seconds", "3"));
        double seconds = Double.parseDouble(args.getOrDefault("seconds", "15"));
        long walletUser = Long.parseLong(args.getOrDefault("wallet-user", "600000001"));
        int walletSize = Integer.parseInt(args.getOrDefault("wallet-size", "20"));
        long templateId = statusOf(activity).getActivity().getTemplateId();
        List<Long> winners = winners(Path.of(args.get("winners")));
        if (winners.isEmpty()) {
            throw new IllegalStateException("no winners in " + args.get("winners"));
        }
        fillWallet(Long.parseLong(args.get("wallet-activity")), walletUser, walletSize);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("activity", activity);
        out.put("template_id", templateId);
        out.put("winners", winners.size());
        out.put("wallet_user", walletUser);
        out.put("wallet_size", walletSize);
        long soldOutUsers = Long.parseLong(args.getOrDefault("user-offset", "500000000"));
        out.put("sold_out_grab", report(ClosedLoop.run("FlashSaleCoupon (sold out)", stubs,
                (stub, i, r) -> stub.flashSaleCoupon(FlashSaleRequest.newBuilder().setActivityId(activity)
                        .setUserId(soldOutUsers + i).setRequestId("r" + (soldOutUsers + i)).build(), r.observer()),
                v -> ((FlashSaleResponse) v).getCode() == GrabCode.SOLD_OUT, inFlight, warm, seconds)));
        FlashSaleStatusRequest status = FlashSaleStatusRequest.newBuilder().setActivityId(activity).build();
        out.put("GetFlashSaleStatus", report(ClosedLoop.run("GetFlashSaleStatus", stubs,
                (stub, i, r) -> stub.getFlashSaleStatus(status, r.observer()),
                v -> ((FlashSaleStatusResponse) v).getActivity().getId() == activity, inFlight, warm, seconds)));
        GetTemplateRequest template = GetTemplateRequest.newBuilder().setId(templateId).build();
        out.put("GetCouponTemplate", report(ClosedLoop.run("GetCouponTemplate", stubs,
                (stub, i, r) -> stub.getCouponTemplate(template, r.observer()), v -> true, inFlight, warm, seconds)));
        out.put("GetUserCoupons", report(ClosedLoop.run("GetUserCoupons", stubs,
                (stub, i, r) -> stub.getUserCoupons(GetUserCouponsRequest.newBuilder()
                        .setUserId(winners.get((int) (i % winners.size()))).build(), r.observer()),
                v -> ((UserCouponsResponse) v).getCouponsCount() > 0, inFlight, warm, seconds)));
        OrderCouponsRequest order = ORDER.clone().setUserId(walletUser).build();
        out.put("GetAvailableCouponsForOrder", report(ClosedLoop.run("GetAvailableCouponsForOrder", stubs,
                (stub, i, r) -> stub.getAvailableCouponsForOrder(order, r.observer()),
                v -> ((AvailableCouponsResponse) v).getCouponsCount() == walletSize,
                inFlight, warm, seconds)));
        return out;
    }

    private static Map<String, Object> report(Map<String, Object> run) {
        System.err.println("reads: " + run);
        return run;
    }

    private FlashSaleStatusResponse statusOf(long activity) {
        return CouponGrpc.newBlockingStub(channelOf()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getFlashSaleStatus(FlashSaleStatusRequest.newBuilder().setActivityId(activity).build());
    }

    private io.grpc.Channel channelOf() {
        return stubs.get().getChannel();
    }

    /** Users of the grants file (coupon_sn,grant ms,user). */
    static List<Long> winners(Path grants) throws Exception {
        List<Long> users = new ArrayList<>();
        for (String line : Files.readAllLines(grants)) {
            String[] f = line.split(",");
            if (f.length >= 3) {
                users.add(Long.parseLong(f[2].trim()));
            }
        }
        return users;
    }

    /**
     * Wins {@code size} coupons for {@code user} through the grab path (paced under the per-user
     * rate limit of 5 grabs/s) and waits, with a deadline, until its wallet shows all of them.
     */
    private void fillWallet(long walletActivity, long user, int size) throws InterruptedException {
        var grab = CouponGrpc.newBlockingStub(channelOf());
        int won = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int n = 0; won < size && System.nanoTime() < deadline; n++) {
            try {
                FlashSaleResponse r = grab.withDeadlineAfter(10, TimeUnit.SECONDS).flashSaleCoupon(FlashSaleRequest
                        .newBuilder().setActivityId(walletActivity).setUserId(user).setRequestId("w" + user + "-" + n).build());
                if (r.getCode() == GrabCode.GRANTED) {
                    won++;
                } else {
                    throw new IllegalStateException("wallet set-up: grab " + n + " answered " + r.getCode());
                }
            } catch (StatusRuntimeException e) {
                // a refusal of the per-user rate limit: try again after the pause below
            }
            Thread.sleep(250); // pacing under max-qps-per-user, not synchronisation
        }
        if (won < size) {
            throw new IllegalStateException("wallet set-up: won " + won + " of " + size + " coupons");
        }
        var wallet = CouponGrpc.newBlockingStub(channelOf());
        while (wallet.withDeadlineAfter(10, TimeUnit.SECONDS).getUserCoupons(GetUserCouponsRequest.newBuilder()
                .setUserId(user).setPageSize(200).build()).getCouponsCount() < size) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("wallet set-up: " + size + " coupons not in the wallet after 120 s");
            }
            Thread.sleep(200); // polling the materialization of an external system, with a deadline
        }
    }
}
