package io.flashcoupon.core.sale.ledger;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a sale's publication outbox (Registry#publicationsKey), as lua/grab.lua writes it:
 * "createdAtMs:templateId", then a line "coupon_sn:userId:seq:grantedAtMs:requestId" per grant (an
 * empty request id when the grab had none). The grants of one group-committed batch whose
 * CouponGrabbed events are not yet known to be in the broker.
 */
record PendingPublication(String batchId, long createdAtMs, long templateId, List<Grant> grants) {

    /** One grant of the batch, as in the ledger; requestId null when the grab had none. */
    record Grant(String couponSn, long userId, int seq, long grantedAtMs, String requestId) {}

    /** Parses {@code value}; throws IllegalArgumentException naming the batch when it is malformed. */
    static PendingPublication parse(String batchId, String value) {
        try {
            String[] lines = value.split("\n", -1);
            String[] head = lines[0].split(":", -1);
            if (head.length != 2 || lines.length < 2) {
                throw new IllegalArgumentException("head '" + lines[0] + "' or no grants");
            }
            List<Grant> grants = new ArrayList<>(lines.length - 1);
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].split(":", -1);
                if (f.length != 5 || f[0].isEmpty()) {
                    throw new IllegalArgumentException("grant line '" + lines[i] + "'");
                }
                grants.add(new Grant(f[0], Long.parseLong(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]),
                        f[4].isEmpty() ? null : f[4]));
            }
            return new PendingPublication(batchId, Long.parseLong(head[0]), Long.parseLong(head[1]), List.copyOf(grants));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("publication outbox entry " + batchId + " is malformed: "
                    + e.getMessage(), e);
        }
    }
}
