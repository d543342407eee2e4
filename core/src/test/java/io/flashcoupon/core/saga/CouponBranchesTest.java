package io.flashcoupon.core.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.wallet.UserCoupon;
import io.flashcoupon.core.wallet.UserCouponStatus;
import io.flashcoupon.discount.CouponDiscount;
import io.flashcoupon.discount.LineAllocation;
import io.flashcoupon.discount.Verdict;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CouponBranchesTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private static UserCoupon coupon(UserCouponStatus status, String order, Instant start, Instant end) {
        return new UserCoupon(7, "sn7", 1, 1, null, 1, 42, status, start, start.toEpochMilli(), start, end, order, null,
                null);
    }

    private static UserCoupon valid(UserCouponStatus status, String order) {
        return coupon(status, order, NOW.minusSeconds(3600), NOW.plusSeconds(3600));
    }

    @Test
    void a_refused_lock_names_the_reason_from_the_coupon_as_it_is() {
        assertThat(CouponBranches.refuseAction(null, 42, "o1", UserCouponStatus.UNUSED, NOW).refusal())
                .isEqualTo(Refusal.NOT_FOUND);
        BranchResult other = CouponBranches.refuseAction(valid(UserCouponStatus.UNUSED, null), 43, "o1",
                UserCouponStatus.UNUSED, NOW);
        assertThat(other.refusal()).isEqualTo(Refusal.NOT_OWNER);
        assertThat(other.message()).isEqualTo("coupon 7 does not belong to user 43");
        BranchResult ended = CouponBranches.refuseAction(coupon(UserCouponStatus.UNUSED, null, NOW.minusSeconds(7200),
                NOW), 42, "o1", UserCouponStatus.UNUSED, NOW);
        assertThat(ended.refusal()).isEqualTo(Refusal.EXPIRED);
        assertThat(ended.message()).isEqualTo("coupon 7 expired at " + NOW);
        assertThat(CouponBranches.refuseAction(coupon(UserCouponStatus.UNUSED, null, NOW.plusSeconds(1),
                NOW.plusSeconds(9)), 42, "o1", UserCouponStatus.UNUSED, NOW).message()).contains("is not valid before");
        assertThat(CouponBranches.refuseAction(valid(UserCouponStatus.LOCKED, "o2"), 42, "o1",
                UserCouponStatus.UNUSED, NOW).message()).isEqualTo("coupon 7 is locked by another order");
        assertThat(CouponBranches.refuseAction(valid(UserCouponStatus.LOCKED, "o1"), 42, "o1",
                UserCouponStatus.UNUSED, NOW).message()).isEqualTo("coupon 7 is already locked by order o1");
        assertThat(CouponBranches.refuseAction(valid(UserCouponStatus.EXPIRED, null), 42, "o1",
                UserCouponStatus.UNUSED, NOW).refusal()).isEqualTo(Refusal.EXPIRED);
    }

    @Test
    void a_refused_use_says_whose_lock_it_is() {
        BranchResult otherOrder = CouponBranches.refuseAction(valid(UserCouponStatus.LOCKED, "o2"), 42, "o1",
                UserCouponStatus.LOCKED, NOW);
        assertThat(otherOrder.refusal()).isEqualTo(Refusal.OTHER_ORDER);
        assertThat(otherOrder.message()).isEqualTo("coupon 7 is locked by another order, not by order o1");
        assertThat(CouponBranches.refuseAction(valid(UserCouponStatus.UNUSED, null), 42, "o1",
                UserCouponStatus.LOCKED, NOW).message()).isEqualTo("coupon 7 is not locked by order o1 (it is UNUSED)");
        BranchResult used = CouponBranches.refuseAction(valid(UserCouponStatus.USED, "o1"), 42, "o1",
                UserCouponStatus.LOCKED, NOW);
        assertThat(used.refusal()).isEqualTo(Refusal.WRONG_STATUS);
        assertThat(used.message()).isEqualTo("coupon 7 was already used by order o1");
    }

    @Test
    void the_usage_log_allocation_is_json_per_line() {
        assertThat(CouponBranches.allocationJson(List.of(new LineAllocation(0, 375), new LineAllocation(1, 125))))
                .isEqualTo("[{\"line_index\":0,\"discount_cents\":375},{\"line_index\":1,\"discount_cents\":125}]");
    }

    @Test
    void a_coupons_share_lists_every_order_line_with_zero_where_it_carries_nothing() {
        CouponDiscount percent = new CouponDiscount(8, 263, false, Verdict.APPLIED, "",
                List.of(new LineAllocation(2, 13), new LineAllocation(0, 250)));
        assertThat(CouponBranches.perLine(percent, 3)).containsExactly(new LineAllocation(0, 250),
                new LineAllocation(1, 0), new LineAllocation(2, 13));
        CouponDiscount shipping = new CouponDiscount(9, 800, true, Verdict.APPLIED, "", List.of());
        assertThat(CouponBranches.perLine(shipping, 2)).containsExactly(new LineAllocation(0, 0),
                new LineAllocation(1, 0));
    }

    @Test
    void only_saga_actions_and_compensations_with_every_dtm_field_are_accepted() {
        assertThat(BranchContext.of("saga", "g1", "01", "compensate").compensation()).isTrue();
        assertThat(BranchContext.of("saga", "g1", "01", "action").compensation()).isFalse();
        assertThatThrownBy(() -> BranchContext.of("saga", null, "01", "action"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("gid");
        assertThatThrownBy(() -> BranchContext.of("tcc", "g1", "01", "try")).hasMessageContaining("trans_type");
        assertThatThrownBy(() -> BranchContext.of("saga", "g1", "01", "cancel")).hasMessageContaining("op");
        assertThatThrownBy(() -> BranchContext.of("saga", "g".repeat(129), "01", "action"))
                .hasMessageContaining("gid");
    }
}
