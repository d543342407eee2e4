package io.flashcoupon.ingress.admission;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Local memory of sales this process saw sold out, so sold-out traffic costs no Redis call and no
 * broker round trip. A flag is cleared at once when this process learns that stock came back
 * (restock, reconciliation) and, because another instance may have added the stock, it expires
 * after {@code recheckMs}: then one grab goes to Redis and sets it again if still sold out.
 */
public final class SoldOutFlags {
    private final ConcurrentHashMap<Long, Long> soldOutSince = new ConcurrentHashMap<>();
    private final long recheckMs;
    private final LongSupplier millis;

    public SoldOutFlags(long recheckMs, LongSupplier millis) {
        this.recheckMs = recheckMs;
        this.millis = millis;
    }

    public boolean isSoldOut(long activityId) {
        Long since = soldOutSince.get(activityId);
        if (since == null) {
            return false;
        }
        if (millis.getAsLong() - since >= recheckMs) {
            soldOutSince.remove(activityId, since);
            return false;
        }
        return true;
    }

    public void markSoldOut(long activityId) {
        soldOutSince.put(activityId, millis.getAsLong());
    }

    public void clear(long activityId) {
        soldOutSince.remove(activityId);
    }
}
