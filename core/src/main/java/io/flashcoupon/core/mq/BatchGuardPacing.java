package io.flashcoupon.core.mq;

import org.apache.rocketmq.client.producer.DefaultMQProducer;

/**
 * Paces the two auto-batching guard threads rocketmq-client 5.5.0 starts for every client instance that
 * has a producer ({@code Client_<id>_GuardForSyncSend} and {@code ..._GuardForAsyncSend}): they wake
 * every {@code batchMaxDelayMs / 2}, 5 ms by default, even when auto-batching is off, as it is for every
 * producer here. Six of them took ~3 % of a core in an idle all-in-one process (docs/decisions.md).
 *
 * <p>The hold time only bounds how long an auto-batched message waits, so with auto-batching off it
 * changes nothing but the guards' sleep. Its cost: a producer's shutdown joins both guards, each of
 * which may be inside one sleep, so a shutdown can take up to {@link #GUARD_HOLD_MS} longer.
 * Known gap: the setting belongs to the client instance, not the producer; a producer that turned
 * auto-batching on in the same instance would batch with this hold time (none does).
 */
public final class BatchGuardPacing {

    /** The guards sleep half of this between looks: 10 wake-ups a second instead of 200. */
    public static final int GUARD_HOLD_MS = 200;

    private BatchGuardPacing() {}

    /** Call before {@code start()}: the producer hands the hold time to its client instance's guards. */
    public static <P extends DefaultMQProducer> P slowDown(P producer) {
        producer.batchMaxDelayMs(GUARD_HOLD_MS);
        return producer;
    }
}
