package io.flashcoupon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

class DistinctClientAllocationTest {
    private static final List<MessageQueue> QUEUES = IntStream.range(0, 8)
            .mapToObj(q -> new MessageQueue("coupon-events", "broker-a", q)).toList();
    private final DistinctClientAllocation allocation = new DistinctClientAllocation();

    @Test
    void a_client_listed_twice_by_the_broker_still_gets_every_queue() {
        List<String> twice = List.of("10.0.0.1@a", "10.0.0.1@a");
        assertThat(allocation.allocate("g", "10.0.0.1@a", QUEUES, twice)).containsExactlyElementsOf(QUEUES);
        // what the plain strategy does with the same list: half the queues to nobody
        assertThat(new AllocateMessageQueueAveragely().allocate("g", "10.0.0.1@a", QUEUES, twice)).hasSize(4);
    }

    @Test
    void every_queue_goes_to_exactly_one_live_client_whatever_the_duplicates() {
        List<String> listed = List.of("b@2", "a@1", "b@2", "c@3", "a@1", "b@2");
        Set<MessageQueue> seen = new HashSet<>();
        List<MessageQueue> all = new ArrayList<>();
        for (String cid : Set.of("a@1", "b@2", "c@3")) {
            List<MessageQueue> mine = allocation.allocate("g", cid, QUEUES, listed);
            assertThat(mine).hasSizeBetween(2, 3);
            all.addAll(mine);
            seen.addAll(mine);
        }
        assertThat(all).hasSize(QUEUES.size());
        assertThat(seen).containsExactlyInAnyOrderElementsOf(QUEUES);
    }

    @Test
    void without_duplicates_it_allocates_as_the_average_strategy_does() {
        List<String> cids = List.of("a@1", "b@2", "c@3");
        for (String cid : cids) {
            assertThat(allocation.allocate("g", cid, QUEUES, cids))
                    .isEqualTo(new AllocateMessageQueueAveragely().allocate("g", cid, QUEUES, cids));
        }
    }
}
