package io.flashcoupon.rocketmq.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.store.IdleBackoffReputMessageService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle embedded broker stops looking for new commit-log entries every millisecond (RocketMQ 5.5.0's
 * ReputMessageService wakes ~1,000 times a second forever) and runs none of the pop threads (buffer-merge
 * scan 200 a second, three long-polling threads 50 a second each) nor the HA group transfer (100 a
 * second), yet a message sent after a quiet spell still reaches a consumer at once: the put hook
 * wakes the dispatch thread, so no message waits for its idle poll.
 *
 * <p>Wake-ups are counted as the thread's voluntary context switches ({@code /proc}, Linux only): on a
 * noisy shared machine a count of sleeps is steadier than CPU time. {@code -Dbroker.reput.backoff=false}
 * keeps RocketMQ's own thread (the wake-up assertion then fails and prints its rate).
 */
class ReputIdleBackoffIT {

    private static final String TOPIC = "reput-idle-it";
    private static final String GROUP = "reput-idle-it-consumer";
    /** Longer than QUIET_MILLIS, so the dispatch thread has gone idle before each timed send. */
    private static final Duration QUIET_SPELL = Duration.ofMillis(IdleBackoffReputMessageService.QUIET_MILLIS * 5);
    private static final int ROUNDS = 7;
    /** 5.5.0's thread: ~1,000/s; the back-off's: ~1,000 / IDLE_POLL_MILLIS = 10/s. */
    private static final double MAX_IDLE_WAKEUPS_PER_S = 50;
    /** A send after a quiet spell that waited for the idle poll would take IDLE_POLL_MILLIS / 2 on median. */
    private static final long MAX_MEDIAN_LATENCY_MS = IdleBackoffReputMessageService.IDLE_POLL_MILLIS / 4;

    @TempDir
    Path home;

    @Test
    void an_idle_dispatch_thread_stops_polling_and_a_message_after_a_quiet_spell_is_delivered_at_once()
            throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "counts wake-ups in /proc (Linux)");
        boolean backoff = Boolean.parseBoolean(System.getProperty("broker.reput.backoff", "true"));
        Map<String, Long> receivedAt = new ConcurrentHashMap<>();

        try (TestBroker broker = TestBroker.start(home, Map.of("reputIdleBackoff", Boolean.toString(backoff)))) {
            broker.createTopic(TOPIC, "NORMAL", GROUP);
            DefaultMQProducer producer = new DefaultMQProducer("reput-idle-it-producer");
            producer.setNamesrvAddr(broker.namesrvAddr());
            DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(GROUP);
            consumer.setNamesrvAddr(broker.namesrvAddr());
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            consumer.subscribe(TOPIC, "*");
            consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
                long now = System.nanoTime();
                messages.forEach(m -> receivedAt.putIfAbsent(m.getKeys(), now));
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            producer.start();
            consumer.start();
            try {
                awaitFirstDelivery(producer, receivedAt);

                List<Long> latenciesMs = new ArrayList<>();
                for (int i = 0; i < ROUNDS; i++) {
                    Thread.sleep(QUIET_SPELL.toMillis()); // the condition under test: nothing stored meanwhile
                    long sentAt = System.nanoTime();
                    String key = send(producer);
                    latenciesMs.add((awaitDelivery(receivedAt, key, Duration.ofSeconds(10)) - sentAt) / 1_000_000);
                }
                latenciesMs.sort(null);
                long median = latenciesMs.get(ROUNDS / 2);

                Thread.sleep(QUIET_SPELL.toMillis());
                Duration window = Duration.ofSeconds(5);
                long before = wakeups("ReputMessageSer");
                Thread.sleep(window.toMillis());
                double perSecond = (wakeups("ReputMessageSer") - before) / (double) window.toSeconds();
                System.out.printf("reput back-off %s: send-to-delivery after a quiet spell %s ms (median %d);"
                        + " idle dispatch thread %.1f wake-ups/s%n", backoff, latenciesMs, median, perSecond);

                assertThat(median).as("median ms from send to delivery after a quiet spell")
                        .isLessThan(MAX_MEDIAN_LATENCY_MS);
                assertThat(perSecond).as("wake-ups per second of the idle dispatch thread")
                        .isLessThan(MAX_IDLE_WAKEUPS_PER_S);
                assertThat(threadNames()).as("broker threads (pop is not served, no slave to wait for: nothing to"
                                + " scan or poll for)")
                        .noneMatch(n -> n.startsWith("PopBufferMerge") || n.contains("LongPollingService")
                                || n.startsWith("GroupTransferService"));
            } finally {
                consumer.shutdown();
                producer.shutdown();
            }
        }
    }

    /** The consumer starts at the queue's end once it holds the queue: send until one message arrives. */
    private static void awaitFirstDelivery(DefaultMQProducer producer, Map<String, Long> receivedAt) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() - deadline < 0) {
            String key = send(producer);
            try {
                awaitDelivery(receivedAt, key, Duration.ofSeconds(2));
                return;
            } catch (AssertionError notYet) {
                // the consumer's first rebalance has not assigned the queue yet
            }
        }
        throw new AssertionError("no message reached the consumer within 60 s");
    }

    private static long awaitDelivery(Map<String, Long> receivedAt, String key, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Long at = receivedAt.get(key);
            if (at != null) {
                return at;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("message " + key + " not delivered within " + within);
    }

    private static String send(DefaultMQProducer producer) throws Exception {
        String key = UUID.randomUUID().toString();
        assertThat(producer.send(new Message(TOPIC, "t", key, key.getBytes(UTF_8))).getSendStatus())
                .isEqualTo(SendStatus.SEND_OK);
        return key;
    }

    /** Voluntary context switches so far of this JVM's threads whose (15-character) kernel name starts so. */
    private static long wakeups(String commPrefix) throws IOException {
        long total = 0;
        int found = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (!Files.readString(task.resolve("comm")).startsWith(commPrefix)) {
                        continue;
                    }
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                            found++;
                        }
                    }
                } catch (IOException ended) {
                    // the thread ended while listed
                }
            }
        }
        assertThat(found).as("threads named " + commPrefix + "*").isEqualTo(1);
        return total;
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
    }
}
