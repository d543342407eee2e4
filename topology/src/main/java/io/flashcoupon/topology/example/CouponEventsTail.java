package io.flashcoupon.topology.example;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.proto.v1.CouponEvent;
import io.flashcoupon.topology.DistinctClientAllocation;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * A runnable example of a downstream consumer of coupon-events (docs/events.md): its own consumer
 * group, every event type (tag *), protobuf decoding, de-duplication on event_id, and offsets
 * committed only after the events were handled. Run it with scripts/tail-events.
 */
public final class CouponEventsTail implements AutoCloseable {
    private final DefaultLitePullConsumer consumer;
    private final Consumer<CouponEvent> handler;
    private final Cache<String, Boolean> seen = Caffeine.newBuilder().maximumSize(100_000).build();
    private volatile boolean running = true;

    public CouponEventsTail(String namesrvAddr, String group, Consumer<CouponEvent> handler) throws MQClientException {
        TopicProvisioner.provision(namesrvAddr, List.of(group), Duration.ofSeconds(30));
        this.handler = handler;
        this.consumer = new DefaultLitePullConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setInstanceName(group + "-" + ProcessHandle.current().pid());
        consumer.setAutoCommit(false);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setAllocateMessageQueueStrategy(new DistinctClientAllocation());
        consumer.subscribe(Registry.TOPIC_COUPON_EVENTS, "*");
        consumer.start();
    }

    /** Polls and handles events until {@link #close()}. */
    public void run() {
        while (running) {
            List<MessageExt> batch = consumer.poll(200);
            for (MessageExt m : batch) {
                try {
                    CouponEvent event = CouponEvent.parseFrom(m.getBody());
                    if (seen.asMap().putIfAbsent(event.getEventId(), Boolean.TRUE) == null) {
                        handler.accept(event);
                    }
                } catch (InvalidProtocolBufferException e) {
                    System.err.println("skipping a message that is no CouponEvent: " + m.getMsgId());
                }
            }
            if (!batch.isEmpty()) {
                consumer.commitSync();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.shutdown();
    }

    /** {@code CouponEventsTail [namesrv-addr] [group]}: prints every event of coupon-events, one per line. */
    public static void main(String[] args) throws Exception {
        String namesrv = args.length > 0 ? args[0] : "127.0.0.1:9876";
        String group = args.length > 1 ? args[1] : "coupon-events-tail";
        CouponEventsTail tail = new CouponEventsTail(namesrv, group,
                e -> System.out.println(TextFormat.shortDebugString(e)));
        Runtime.getRuntime().addShutdownHook(new Thread(tail::close));
        tail.run();
    }
}
