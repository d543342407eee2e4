package io.flashcoupon.topology.usercoupon;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TermsLookup;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.sinks.GrantedCoupon;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.LongFunction;

/**
 * The materializer's pure stage: CouponGrabbed event bodies in, user_coupons rows out. Each row keeps
 * the template version its sale sells - pinned when the sale started, before any grant, and never
 * changed - so a template edited during the sale, or while the row waits to be materialized, does not
 * change the coupon's terms. The validity comes from that version (absolute window, or N days after
 * the grab); the grab's request_id is kept when the client sent one. A grab whose sale has no pinned
 * version, or whose version is unknown, fails the batch loudly (it is retried, never written with
 * other terms).
 */
public final class CouponRows {
    private final LongFunction<OptionalInt> saleVersions;
    private final TermsLookup terms;

    /** {@code saleVersions}: the version an activity's sale sells; {@code terms}: a version's terms. */
    public CouponRows(LongFunction<OptionalInt> saleVersions, TermsLookup terms) {
        this.saleVersions = saleVersions;
        this.terms = terms;
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
            int version = saleVersions.apply(g.getActivityId()).orElseThrow(() -> new IllegalStateException("activity "
                    + g.getActivityId() + " of coupon " + g.getCouponSn() + " has no pinned terms version"));
            Template template = terms.find(g.getTemplateId(), version).orElseThrow(() -> new IllegalStateException(
                    "version " + version + " of template " + g.getTemplateId() + " of coupon " + g.getCouponSn()
                            + " does not exist"));
            Template.Validity validity = template.validityFor(Instant.ofEpochMilli(g.getGrantedAtMs()));
            out.add(new GrantedCoupon(g.getCouponSn(), g.getActivityId(), g.getTemplateId(), version, g.getUserId(),
                    g.getSeq(), g.getGrantedAtMs(), validity.start(), validity.end(),
                    g.hasRequestId() ? g.getRequestId() : null));
        }
        return out;
    }
}
