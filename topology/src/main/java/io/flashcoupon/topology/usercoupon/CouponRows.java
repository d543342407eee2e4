package io.flashcoupon.topology.usercoupon;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.sinks.GrantedCoupon;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The materializer's pure stage: CouponGrabbed event bodies in, user_coupons rows out, with the
 * validity taken from the template (absolute window, or N days after the grab), and the grab's
 * request_id when the client sent one.
 */
public final class CouponRows {
    private final LongFunction<Optional<Template>> templates;

    public CouponRows(LongFunction<Optional<Template>> templates) {
        this.templates = templates;
    }

    /** Rows for the grab events among {@code bodies}; bodies that are no grab are reported in {@code rejected}. */
    public List<GrantedCoupon> rows(List<byte[]> bodies, List<String> rejected) {
        List<GrantedCoupon> out = new ArrayList<>(bodies.size());
        for (byte[] body : bodies) {
            CouponEvent event;
            try {
                event = CouponEvent.parseFrom(body);
            } catch (InvalidProtocolBufferException e) {
                rejected.add("unparseable body of " + body.length + " bytes: " + e.getMessage());
                continue;
            }
            if (!event.hasGrabbed()) {
                rejected.add("event " + event.getEventId() + " of type " + event.getType() + " carries no grab");
                continue;
            }
            CouponGrabbed g = event.getGrabbed();
            Template template = templates.apply(g.getTemplateId()).orElseThrow(() -> new IllegalStateException(
                    "template " + g.getTemplateId() + " of coupon " + g.getCouponSn() + " does not exist"));
            Template.Validity validity = template.validityFor(Instant.ofEpochMilli(g.getGrantedAtMs()));
            out.add(new GrantedCoupon(g.getCouponSn(), g.getActivityId(), g.getTemplateId(), g.getUserId(),
                    g.getSeq(), g.getGrantedAtMs(), validity.start(), validity.end(),
                    g.hasRequestId() ? g.getRequestId() : null));
        }
        return out;
    }
}
