package io.flashcoupon.bench;

import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis keys of a sale as the service lays them out (core's Registry and Segment, docs/architecture.md
 * "Segments"), for {@link InvariantCheck}: the bench does not depend on core, so the layout is written
 * again here and SaleKeysTest pins it to core's. A sale of one segment has the hash tag {@code activityId};
 * segment i of K > 1 has {@code activityId.i.salt}, the salt the smallest that puts its slot into the i-th
 * of K equal ranges of the 16,384 slots. A user buys from segment fmix64(user) mod K.
 */
final class SaleKeys {
    private SaleKeys() {}

    /** The hash tags of the sale's segments, in index order. */
    static List<String> tags(long activityId, int count) {
        List<String> out = new ArrayList<>(count);
        if (count == 1) {
            out.add(Long.toString(activityId));
            return out;
        }
        for (int i = 0; i < count; i++) {
            int low = i * SlotHash.SLOT_COUNT / count;
            int high = (i + 1) * SlotHash.SLOT_COUNT / count;
            for (int salt = 0; ; salt++) {
                String tag = activityId + "." + i + "." + salt;
                int slot = SlotHash.getSlot(tag);
                if (slot >= low && slot < high) {
                    out.add(tag);
                    break;
                }
            }
        }
        return out;
    }

    /** The segment index user {@code userId} buys from (MurmurHash3's fmix64, unsigned mod count). */
    static int segmentOfUser(long userId, int count) {
        long h = userId;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) Long.remainderUnsigned(h, count);
    }

    /** Key {@code name} (sale, users, ledger, void, xfer, ...) of the segment with hash tag {@code tag}. */
    static String key(String tag, String name) {
        return "fs:{" + tag + "}:" + name;
    }
}
