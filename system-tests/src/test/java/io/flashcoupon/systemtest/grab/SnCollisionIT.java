package io.flashcoupon.systemtest.grab;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.CouponSnGenerator;
import io.flashcoupon.core.sale.SaleStore;
import io.flashcoupon.core.sale.Segment;
import io.flashcoupon.core.wallet.UserCouponRepository;
import io.flashcoupon.ingress.GrabAnswer;
import io.flashcoupon.ingress.GrabMetrics;
import io.flashcoupon.ingress.Grabber;
import io.flashcoupon.ingress.admission.SoldOutFlags;
import io.flashcoupon.proto.v1.CouponGrabbed;
import io.flashcoupon.systemtest.support.SaleInvariants;
import io.flashcoupon.systemtest.support.PinnedLease;
import io.flashcoupon.systemtest.support.ServiceHarness;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/**
 * A coupon_sn made twice - two instances with one node id, or an instance restarted with its clock
 * stepped back - must never hand one user's coupon to another. The grabs run through a Grabber on
 * the real Redis and broker whose coupon_sn generator is made to repeat a coupon_sn already in the
 * ledger (a fixed clock, and a twin generator that predicts its numbers).
 */
class SnCollisionIT {
    private static final Duration MATERIALIZED_WITHIN = Duration.ofSeconds(60);
    /** A node id the test service (node 1) never uses, so only the planted coupon_sn collides. */
    private static final int NODE = 1000;

    @Test
    void a_coupon_sn_already_granted_is_retried_with_a_fresh_one_and_the_owner_keeps_it() throws Exception {
        ServiceHarness h = ServiceHarness.get();
        Activity sale = h.runningSale(10, 2);
        RedisCommands<String, String> redis = h.service.redis().connection().sync();
        SaleStore store = new SaleStore(h.service.redis().connection(), Duration.ofSeconds(3));
        Clock frozen = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC);
        CouponSnGenerator twin = new CouponSnGenerator(frozen, PinnedLease.of(frozen, NODE));
        String sn0 = twin.next();
        String sn1 = twin.next();
        String sn2 = twin.next();
        long owner = 4_100_001;
        long other = 4_100_002;

        // User `owner`'s first coupon under sn0, granted as the grab script grants, its event published.
        String planted = owner + ":1:" + frozen.millis();
        redis.hincrby(Registry.saleKey(sale.id()), "stock", -1);
        redis.hincrby(Registry.usersKey(sale.id()), Long.toString(owner), 1);
        redis.hset(Registry.ledgerKey(sale.id()), sn0, planted);
        assertThat(h.service.ledger().republish(CouponGrabbed.newBuilder().setCouponSn(sn0).setActivityId(sale.id())
                .setTemplateId(sale.templateId()).setUserId(owner).setSeq(1).setGrantedAtMs(frozen.millis())
                .build(), Segment.only(sale.id()))).as("the planted grant's event").isTrue();
        System.out.println("injected: ledger entry " + sn0 + " -> " + planted + "; grabs whose generator repeats it");

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Grabber grabber = new Grabber(store, h.service.ledger(), new CouponSnGenerator(frozen, PinnedLease.of(frozen, NODE)),
                new SoldOutFlags(1_000, System::currentTimeMillis), frozen, new GrabMetrics(meters),
                new UserCouponRepository(h.service.dataSource()), Runnable::run, 10_000);

        // Another user whose first attempt makes sn0.
        GrabAnswer b = grabber.grab(sale, other, "r-collide", null);
        assertThat(b.verdict()).isEqualTo(GrabAnswer.Verdict.GRANTED);
        assertThat(b.couponSn()).as("a fresh coupon_sn, not the owner's").isEqualTo(sn1);
        assertThat(redis.hget(Registry.ledgerKey(sale.id()), sn1)).startsWith(other + ":1:");
        assertThat(redis.hget(Registry.requestsKey(sale.id()), other + ":r-collide")).isEqualTo(sn1);

        // The owner's own second grab from a generator restarted with the same clock: sn0 (its own first
        // coupon, seq 1 not 2), then sn1 (the other user's): both refused, then sn2.
        Grabber restarted = new Grabber(store, h.service.ledger(), new CouponSnGenerator(frozen, PinnedLease.of(frozen, NODE)),
                new SoldOutFlags(1_000, System::currentTimeMillis), frozen, new GrabMetrics(meters),
                new UserCouponRepository(h.service.dataSource()), Runnable::run, 10_000);
        GrabAnswer second = restarted.grab(sale, owner, null, null);
        assertThat(second.verdict()).isEqualTo(GrabAnswer.Verdict.GRANTED);
        assertThat(second.couponSn()).isEqualTo(sn2);
        assertThat(second.seq()).as("the owner's second coupon").isEqualTo(2);

        assertThat(redis.hget(Registry.ledgerKey(sale.id()), sn0)).as("the planted entry").isEqualTo(planted);
        assertThat(meters.get("coupon.grab.sn.collisions").counter().count()).isEqualTo(3.0);
        assertThat(redis.hexists(Registry.voidKey(sale.id()), sn0)).as("nothing voided").isFalse();

        // A check-back of a collided half message (its rollback lost) asks with the message's grantee.
        assertThat(store.resolve(sale.id(), sn0, other + ":1")).as("another grab's coupon_sn: roll back").isFalse();
        assertThat(store.resolve(sale.id(), sn0, owner + ":1")).as("the owner's").isTrue();
        assertThat(redis.hexists(Registry.voidKey(sale.id()), sn0)).as("still nothing voided").isFalse();
        System.out.println("found: " + sn0 + " kept by " + owner + ", " + sn1 + " granted to " + other + ", " + sn2
                + " to " + owner + " (seq 2); 3 collisions counted, nothing voided");

        SaleInvariants.check(h, sale.id(), 10, 2, MATERIALIZED_WITHIN);
        assertThat(new UserCouponRepository(h.service.dataSource()).ownersByActivity(sale.id()))
                .containsEntry(sn0, owner).containsEntry(sn1, other).containsEntry(sn2, owner);
    }
}
