package io.flashcoupon.sinks;

import io.flashcoupon.core.reconcile.GrantConflict;
import io.flashcoupon.core.wallet.GrantRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The sink's pure stage after its insert: which of the batch's grants are stored and which conflict,
 * from the rows user_coupons holds under their keys once the insert ran (an insert that meets either
 * unique key changes nothing). A grant is
 * <ul>
 * <li>stored when the row under its coupon_sn is its own (same activity, user and seq): inserted now,
 *     or a redelivery of a grant stored before, which stays silent;
 * <li>in conflict when the row under its coupon_sn is another grant's (the serial is taken), or when
 *     no row carries its coupon_sn and another coupon_sn holds its (activity, user, seq).
 * </ul>
 * A grant with neither row cannot be after its insert: that fails the batch loudly.
 */
final class ConflictCheck {
    private ConflictCheck() {}

    /** Where a grant wants to sit: its unique (activity, user, seq). */
    record Seat(long activityId, long userId, int seq) {
        static Seat of(GrantedCoupon g) {
            return new Seat(g.activityId(), g.userId(), g.seq());
        }

        static Seat of(GrantRow r) {
            return new Seat(r.activityId(), r.userId(), r.seq());
        }
    }

    /** The batch split: grants whose row is theirs, and conflicts with what is in their way. */
    record Outcome(List<GrantedCoupon> stored, List<GrantedCoupon> refused, List<GrantConflict> conflicts) {}

    /** The grants with no row under their coupon_sn: their seat must be looked up. */
    static List<GrantedCoupon> withoutRow(List<GrantedCoupon> grants, Map<String, GrantRow> bySn) {
        List<GrantedCoupon> out = new ArrayList<>();
        for (GrantedCoupon g : grants) {
            if (!bySn.containsKey(g.couponSn())) {
                out.add(g);
            }
        }
        return out;
    }

    /**
     * Classifies {@code grants} (distinct coupon_sn) given the rows found under their coupon_sn and,
     * for those without one, under their seat.
     */
    static Outcome classify(List<GrantedCoupon> grants, Map<String, GrantRow> bySn, Map<Seat, GrantRow> bySeat,
            Instant now) {
        List<GrantedCoupon> stored = new ArrayList<>(grants.size());
        List<GrantedCoupon> refused = new ArrayList<>();
        List<GrantConflict> conflicts = new ArrayList<>();
        for (GrantedCoupon g : grants) {
            GrantRow own = bySn.get(g.couponSn());
            if (own != null) {
                if (Seat.of(own).equals(Seat.of(g))) {
                    stored.add(g);
                } else {
                    refused.add(g);
                    conflicts.add(conflict(g, own.couponSn(), now));
                }
                continue;
            }
            GrantRow seated = bySeat.get(Seat.of(g));
            if (seated == null) {
                throw new IllegalStateException("coupon " + g.couponSn() + " (activity " + g.activityId() + ", user "
                        + g.userId() + ", seq " + g.seq() + ") is neither written nor in the way of another row");
            }
            refused.add(g);
            conflicts.add(conflict(g, seated.couponSn(), now));
        }
        return new Outcome(stored, refused, conflicts);
    }

    private static GrantConflict conflict(GrantedCoupon g, String existingSn, Instant now) {
        return GrantConflict.detected(g.couponSn(), existingSn, g.activityId(), g.userId(), g.seq(), now);
    }

    /** Of {@code stored} (grants whose row is theirs), those whose coupon_sn no row held before the insert. */
    static List<GrantedCoupon> insertedNow(List<GrantedCoupon> stored, Set<String> snsThereBefore) {
        List<GrantedCoupon> out = new ArrayList<>(stored.size());
        for (GrantedCoupon g : stored) {
            if (!snsThereBefore.contains(g.couponSn())) {
                out.add(g);
            }
        }
        return out;
    }

    /** Rows per sale (activity id -> count), in activity order. */
    static SortedMap<Long, Long> rowsPerSale(List<GrantedCoupon> inserted) {
        SortedMap<Long, Long> out = new TreeMap<>();
        for (GrantedCoupon g : inserted) {
            out.merge(g.activityId(), 1L, Long::sum);
        }
        return out;
    }
}
