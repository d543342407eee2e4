package io.flashcoupon.topology.invalidation;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.store.OffsetStore;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Offsets of the broadcast invalidation consumer, kept in memory only. A process that starts has an
 * empty L1, so it needs none of the messages published before it started; the client's default
 * store for broadcasting (a file per client id under ~/.rocketmq_offsets) would leave one more
 * directory behind at every start. No offset = start at the queue's end.
 */
final class ProcessLocalOffsets implements OffsetStore {
    private final Map<MessageQueue, Long> offsets = new ConcurrentHashMap<>();

    @Override
    public void load() {}

    @Override
    public void updateOffset(MessageQueue mq, long offset, boolean increaseOnly) {
        offsets.merge(mq, offset, (old, now) -> increaseOnly ? Math.max(old, now) : now);
    }

    @Override
    public void updateAndFreezeOffset(MessageQueue mq, long offset) {
        offsets.put(mq, offset);
    }

    @Override
    public long readOffset(MessageQueue mq, ReadOffsetType type) {
        return offsets.getOrDefault(mq, -1L);
    }

    @Override
    public void persistAll(Set<MessageQueue> mqs) {}

    @Override
    public void persist(MessageQueue mq) {}

    @Override
    public void removeOffset(MessageQueue mq) {
        offsets.remove(mq);
    }

    @Override
    public Map<MessageQueue, Long> cloneOffsetTable(String topic) {
        Map<MessageQueue, Long> out = new HashMap<>();
        offsets.forEach((mq, offset) -> {
            if (topic == null || topic.equals(mq.getTopic())) {
                out.put(mq, offset);
            }
        });
        return out;
    }

    @Override
    public void updateConsumeOffsetToBroker(MessageQueue mq, long offset, boolean isOneway) {}
}
