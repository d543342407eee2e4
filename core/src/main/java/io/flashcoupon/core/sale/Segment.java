package io.flashcoupon.core.sale;

import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.List;

/**
 * One Redis shard of a flash sale: the keys {@code fs:{tag}:*} of one hash slot, with their own stock,
 * users, ledger, request ids and outbox (docs/architecture.md "Segments"). A sale of one segment has the
 * tag {@code activityId}, the keys every sale had before segments. A sale of {@code count} > 1 segments
 * has tags {@code activityId.index.salt}, the salt the smallest that puts segment {@code index} into the
 * index-th of {@code count} equal ranges of the 16,384 slots, so on a cluster whose masters serve equal
 * slot ranges the segments land on different masters.
 *
 * <p>A user belongs to one segment ({@link #ofUser}) for the whole sale, so the per-user limit and a
 * request id's recorded outcome live in one place. Both functions are part of the stored data's
 * meaning: changing either strands the keys of every live segmented sale.
 */
public record Segment(long activityId, int index, int count, String tag) {

    public Segment {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("segment " + index + " of " + count + " does not exist");
        }
    }

    /** The one segment of a sale that is not split. */
    public static Segment only(long activityId) {
        return new Segment(activityId, 0, 1, Long.toString(activityId));
    }

    /** Segment {@code index} of a sale split into {@code count}. */
    public static Segment of(long activityId, int index, int count) {
        if (count == 1) {
            if (index != 0) {
                throw new IllegalArgumentException("segment " + index + " of 1 does not exist");
            }
            return only(activityId);
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("segment " + index + " of " + count + " does not exist");
        }
        int low = index * SlotHash.SLOT_COUNT / count;
        int high = (index + 1) * SlotHash.SLOT_COUNT / count;
        for (int salt = 0; ; salt++) {
            String tag = activityId + "." + index + "." + salt;
            int slot = SlotHash.getSlot(tag);
            if (slot >= low && slot < high) {
                return new Segment(activityId, index, count, tag);
            }
        }
    }

    /** Every segment of a sale split into {@code count}, in index order. */
    public static List<Segment> all(long activityId, int count) {
        List<Segment> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(of(activityId, i, count));
        }
        return out;
    }

    /** The segment user {@code userId} buys from in a sale split into {@code count}. */
    public static Segment ofUser(long activityId, int count, long userId) {
        return of(activityId, indexOfUser(userId, count), count);
    }

    /** hash(userId) mod count, the hash a fixed 64-bit finalizer (MurmurHash3's fmix64). */
    static int indexOfUser(long userId, int count) {
        long h = userId;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) Long.remainderUnsigned(h, count);
    }

    /** The stock segment {@code index} starts with: {@code total} split evenly, the first ones one more. */
    public static int allotment(int total, int index, int count) {
        return total / count + (index < total % count ? 1 : 0);
    }

    /** Whether this sale is split (its segments borrow stock from each other). */
    public boolean split() {
        return count > 1;
    }

    @Override
    public String toString() {
        return count == 1 ? "sale " + activityId : "segment " + index + "/" + count + " of sale " + activityId;
    }
}
