package io.flashcoupon.topology;

import java.util.List;
import org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * RocketMQ's average allocation over the <em>distinct</em> client ids of the group. A broker lists a
 * client id once per channel it holds for it, and after a broker kill -9 and restart it can hold a
 * dead channel of a live client next to the new one until the channel expires (two minutes). The
 * plain average strategy then sees the id twice, gives the client the first share only, and leaves the
 * second share of the queues to nobody: their grants stop becoming rows (FaultBrokerRestartIT lost 90
 * rows of one queue that way).
 */
public final class DistinctClientAllocation implements AllocateMessageQueueStrategy {
    private final AllocateMessageQueueStrategy average = new AllocateMessageQueueAveragely();

    @Override
    public List<MessageQueue> allocate(String consumerGroup, String currentCid, List<MessageQueue> mqAll,
            List<String> cidAll) {
        return average.allocate(consumerGroup, currentCid, mqAll, cidAll.stream().distinct().sorted().toList());
    }

    @Override
    public String getName() {
        return "AVG_DISTINCT";
    }
}
