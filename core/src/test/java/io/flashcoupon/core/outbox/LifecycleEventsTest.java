package io.flashcoupon.core.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponStatus;
import io.flashcoupon.proto.v1.EventType;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LifecycleEventsTest {
    private static final UserCoupon C = new UserCoupon(7, "sn7", 1, 1, null, 1, 42, UserCouponStatus.LOCKED,
            Instant.EPOCH, 0, Instant.EPOCH, Instant.EPOCH, "o1", null, Instant.ofEpochMilli(5000));

    private static LifecycleEvents.Change change(EventType type, String gid, String op, long deadline) {
        return new LifecycleEvents.Change(type, C, UserCouponStatus.UNUSED, "o1", gid, gid == null ? null : "01", op,
                "r", 0, deadline);
    }

    @Test
    void event_ids_name_what_makes_the_change_unique() {
        assertThat(LifecycleEvents.eventId(change(EventType.COUPON_LOCKED, "g1", "action", 0)))
                .isEqualTo("locked-7-g1-01-action");
        assertThat(LifecycleEvents.eventId(change(EventType.COUPON_UNLOCKED, "g1", "compensate", 0)))
                .isEqualTo("unlocked-7-g1-01-compensate");
        assertThat(LifecycleEvents.eventId(change(EventType.COUPON_UNLOCKED, null, null, 5000)))
                .isEqualTo("unlocked-7-o1-deadline-5000");
        assertThat(LifecycleEvents.eventId(change(EventType.COUPON_EXPIRED, null, null, 0))).isEqualTo("expired-7");
    }

    @Test
    void the_longest_saga_event_id_fits_the_outbox_column() {
        UserCoupon big = new UserCoupon(Long.MAX_VALUE, "sn", 1, 1, null, 1, 42, UserCouponStatus.USED, Instant.EPOCH, 0,
                Instant.EPOCH, Instant.EPOCH, "o1", null, null);
        String gid = "g".repeat(128);
        String branch = "b".repeat(128);
        for (EventType type : new EventType[] {EventType.COUPON_LOCKED, EventType.COUPON_UNLOCKED,
                EventType.COUPON_USED, EventType.COUPON_REVERTED}) {
            String id = LifecycleEvents.eventId(new LifecycleEvents.Change(type, big, UserCouponStatus.UNUSED, "o1",
                    gid, branch, "compensate", "r", 0, 0));
            assertThat(id.length()).as(id).isLessThanOrEqualTo(LifecycleEvents.MAX_EVENT_ID_CHARS);
        }
        // what BranchContext lets through is DTM's own limit
        io.flashcoupon.core.saga.BranchContext.of("saga", gid, branch, "compensate");
        assertThatThrownBy(() -> io.flashcoupon.core.saga.BranchContext.of("saga", gid + "g", branch, "compensate"))
                .hasMessageContaining("gid");
    }

    @Test
    void tags_come_from_the_registry_and_grabs_are_not_lifecycle_events() {
        assertThat(LifecycleEvents.tag(EventType.COUPON_REVERTED)).isEqualTo("CouponReverted");
        assertThatThrownBy(() -> LifecycleEvents.tag(EventType.COUPON_GRABBED)).isInstanceOf(IllegalArgumentException.class);
    }
}
