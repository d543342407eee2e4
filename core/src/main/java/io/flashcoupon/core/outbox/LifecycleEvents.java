package io.flashcoupon.core.outbox;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponStatus;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponStateChanged;
import io.flashcoupon.proto.v1.EventType;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Builds the CouponStateChanged events of the wallet lifecycle and appends them to the outbox in
 * the caller's transaction. event_id is derived from what makes the change unique (the Saga
 * branch, or the lock deadline / coupon for the jobs), so a relayed duplicate carries the same id.
 */
public final class LifecycleEvents {
    public static final String SAGA_ACTION = "saga action";
    public static final String SAGA_COMPENSATION = "saga compensation";
    public static final String LOCK_DEADLINE_PASSED = "lock deadline passed";
    public static final String VALIDITY_ENDED = "validity ended";
    /**
     * coupon_outbox.event_id's size (V14). The longest id is a Saga one: "reverted-" + a 20-digit
     * coupon id + "-" + gid + "-" + branch id + "-compensate", with DTM's 128-character gid and branch
     * id ({@link io.flashcoupon.core.saga.BranchContext}): 298.
     */
    public static final int MAX_EVENT_ID_CHARS = 320;

    private LifecycleEvents() {}

    /** A change described by its type, the coupon before it, and the details of the change. */
    public record Change(EventType type, UserCoupon coupon, UserCouponStatus to, String orderSn, String gid,
            String branchId, String op, String reason, long discountCents, long lockDeadlineMs) {}

    public static void append(Connection c, Change ch, long nowMs) throws SQLException {
        UserCoupon uc = ch.coupon();
        String eventId = eventId(ch);
        CouponStateChanged.Builder changed = CouponStateChanged.newBuilder()
                .setUserCouponId(uc.id())
                .setCouponSn(uc.couponSn())
                .setUserId(uc.userId())
                .setTemplateId(uc.templateId())
                .setFromStatus(uc.status().code())
                .setToStatus(ch.to().code())
                .setOrderSn(nz(ch.orderSn()))
                .setGid(nz(ch.gid()))
                .setBranchId(nz(ch.branchId()))
                .setReason(ch.reason())
                .setDiscountCents(ch.discountCents())
                .setLockDeadlineMs(ch.lockDeadlineMs());
        CouponEvent event = CouponEvent.newBuilder()
                .setEventId(eventId)
                .setType(ch.type())
                .setOccurredAtMs(nowMs)
                .setChanged(changed)
                .build();
        Outbox.append(c, event, tag(ch.type()), uc.couponSn(), nowMs);
    }

    /** The message tag of an event type, as declared in {@link Registry}. */
    public static String tag(EventType type) {
        return switch (type) {
            case COUPON_LOCKED -> Registry.TAG_COUPON_LOCKED;
            case COUPON_UNLOCKED -> Registry.TAG_COUPON_UNLOCKED;
            case COUPON_USED -> Registry.TAG_COUPON_USED;
            case COUPON_REVERTED -> Registry.TAG_COUPON_REVERTED;
            case COUPON_EXPIRED -> Registry.TAG_COUPON_EXPIRED;
            default -> throw new IllegalArgumentException("not a lifecycle event type: " + type);
        };
    }

    static String eventId(Change ch) {
        String type = tag(ch.type()).substring("Coupon".length()).toLowerCase(java.util.Locale.ROOT);
        long id = ch.coupon().id();
        if (ch.gid() != null) {
            return type + "-" + id + "-" + ch.gid() + "-" + ch.branchId() + "-" + ch.op();
        }
        if (ch.type() == EventType.COUPON_UNLOCKED) {
            return type + "-" + id + "-" + ch.orderSn() + "-deadline-" + ch.lockDeadlineMs();
        }
        return type + "-" + id;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
