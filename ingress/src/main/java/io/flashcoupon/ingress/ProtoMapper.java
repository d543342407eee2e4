package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.proto.v1.ActivityStatus;
import io.flashcoupon.proto.v1.UserCouponStatus;

/** Records inside, protobuf on the wire. */
final class ProtoMapper {
    private ProtoMapper() {}

    static io.flashcoupon.proto.v1.Activity activity(Activity a) {
        return io.flashcoupon.proto.v1.Activity.newBuilder()
                .setId(a.id())
                .setTemplateId(a.templateId())
                .setName(a.name())
                .setTotalCount(a.totalCount())
                .setStartMs(a.startTime().toEpochMilli())
                .setEndMs(a.endTime().toEpochMilli())
                .setPerUserLimit(a.perUserLimit())
                .setStatus(ActivityStatus.forNumber(a.status().code()))
                .build();
    }

    static io.flashcoupon.proto.v1.UserCoupon coupon(UserCoupon c) {
        io.flashcoupon.proto.v1.UserCoupon.Builder b = io.flashcoupon.proto.v1.UserCoupon.newBuilder()
                .setId(c.id())
                .setCouponSn(c.couponSn())
                .setTemplateId(c.templateId())
                .setTemplateVersion(c.templateVersion())
                .setUserId(c.userId())
                .setStatus(UserCouponStatus.forNumber(c.status().code()))
                .setObtainedAtMs(c.grantedAtMs())
                .setValidStartMs(c.validStart().toEpochMilli())
                .setValidEndMs(c.validEnd().toEpochMilli());
        if (c.activityId() != null) {
            b.setActivityId(c.activityId());
        }
        if (c.orderSn() != null) {
            b.setOrderSn(c.orderSn());
        }
        if (c.usedAt() != null) {
            b.setUsedAtMs(c.usedAt().toEpochMilli());
        }
        return b.build();
    }

    static io.flashcoupon.core.wallet.UserCouponStatus status(UserCouponStatus s) {
        return io.flashcoupon.core.wallet.UserCouponStatus.ofCode(s.getNumber());
    }
}
