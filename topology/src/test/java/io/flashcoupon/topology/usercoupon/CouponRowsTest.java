package io.flashcoupon.topology.usercoupon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.proto.v1.EventType;
import io.flashcoupon.sinks.GrantedCoupon;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class CouponRowsTest {
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant END = Instant.parse("2026-12-31T00:00:00Z");
    private static final long GRANTED_AT = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();

    private static Template template(long id, Instant start, Instant end, Integer days) {
        return new Template(id, "t", CouponType.FULL_CUT, 500, 0, 0, null, 10, 1, start, end, days,
                null, null, null, null, TemplateStatus.PUBLISHED, null, null);
    }

    /** Template 1 at version 1 and at version 2 (edited: another window), template 2 at version 3. */
    private final Map<String, Template> versions = Map.of(
            "1/1", template(1, START, END, null),
            "1/2", template(1, START.plus(Duration.ofDays(1)), END.plus(Duration.ofDays(1)), null),
            "2/3", template(2, null, null, 7));
    /** Activity 9 sells template 1 at version 1 (template 2's grabs in these tests: version 3); 8 is not started. */
    private final CouponRows rows = new CouponRows(
            activity -> activity == 9 ? OptionalInt.of(1) : activity == 7 ? OptionalInt.of(3) : OptionalInt.empty(),
            (id, version) -> Optional.ofNullable(versions.get(id + "/" + version)));

    private static byte[] grab(String sn, long templateId, long user, int seq) {
        return CouponEvent.newBuilder().setEventId("grab-" + sn).setType(EventType.COUPON_GRABBED)
                .setOccurredAtMs(GRANTED_AT)
                .setGrabbed(CouponGrabbed.newBuilder().setCouponSn(sn).setActivityId(templateId == 2 ? 7 : 9)
                        .setTemplateId(templateId)
                        .setUserId(user).setSeq(seq).setGrantedAtMs(GRANTED_AT))
                .build().toByteArray();
    }

    @Test
    void absolute_validity_comes_from_the_template_window() {
        List<GrantedCoupon> out = rows.rows(List.of(grab("a", 1, 100, 1)), new ArrayList<>());
        assertThat(out).containsExactly(new GrantedCoupon("a", 9, 1, 1, 100, 1, GRANTED_AT, START, END, null));
    }

    @Test
    void the_row_keeps_the_version_its_sale_sells_not_the_latest() {
        // template 1 has a version 2 with another window; activity 9 pinned version 1 at its start
        GrantedCoupon g = rows.rows(List.of(grab("v", 1, 100, 1)), new ArrayList<>()).get(0);
        assertThat(g.templateVersion()).isEqualTo(1);
        assertThat(g.validStart()).isEqualTo(START);
        assertThat(g.validEnd()).isEqualTo(END);
    }

    @Test
    void a_grab_of_a_sale_without_pinned_terms_fails_the_batch_loudly() {
        byte[] unpinned = CouponEvent.newBuilder().setEventId("grab-u").setType(EventType.COUPON_GRABBED)
                .setGrabbed(CouponGrabbed.newBuilder().setCouponSn("u").setActivityId(8).setTemplateId(1)
                        .setUserId(100).setSeq(1).setGrantedAtMs(GRANTED_AT))
                .build().toByteArray();
        assertThatThrownBy(() -> rows.rows(List.of(unpinned), new ArrayList<>()))
                .hasMessageContaining("activity 8").hasMessageContaining("no pinned terms version");
    }

    @Test
    void the_request_id_of_the_grab_is_carried_to_the_row() {
        byte[] withRequest = CouponEvent.newBuilder().setEventId("grab-r").setType(EventType.COUPON_GRABBED)
                .setGrabbed(CouponGrabbed.newBuilder().setCouponSn("r").setActivityId(9).setTemplateId(1)
                        .setUserId(100).setSeq(1).setGrantedAtMs(GRANTED_AT).setRequestId("order-77"))
                .build().toByteArray();
        List<GrantedCoupon> out = rows.rows(List.of(withRequest, grab("s", 1, 100, 2)), new ArrayList<>());
        assertThat(out).extracting(GrantedCoupon::requestId).containsExactly("order-77", null);
    }

    @Test
    void relative_validity_runs_n_days_from_the_grab() {
        GrantedCoupon g = rows.rows(List.of(grab("b", 2, 100, 2)), new ArrayList<>()).get(0);
        assertThat(g.templateVersion()).isEqualTo(3);
        assertThat(g.validStart()).isEqualTo(Instant.ofEpochMilli(GRANTED_AT));
        assertThat(Duration.between(g.validStart(), g.validEnd())).isEqualTo(Duration.ofDays(7));
        assertThat(g.seq()).isEqualTo(2);
    }

    @Test
    void bodies_that_are_no_grab_are_reported_not_written() {
        List<String> rejected = new ArrayList<>();
        byte[] noPayload = CouponEvent.newBuilder().setEventId("x").build().toByteArray();
        List<GrantedCoupon> out = rows.rows(List.of(new byte[] {(byte) 0xff, 1}, noPayload, grab("c", 1, 5, 1)), rejected);
        assertThat(out).extracting(GrantedCoupon::couponSn).containsExactly("c");
        assertThat(rejected).hasSize(2);
    }

    @Test
    void an_unknown_template_version_fails_the_batch_loudly() {
        assertThatThrownBy(() -> rows.rows(List.of(grab("d", 99, 5, 1)), new ArrayList<>()))
                .hasMessageContaining("version 1 of template 99");
    }
}
