package io.flashcoupon.rocketmq.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle embedded broker does not spin: RocketMQ 5.5.0's op-batch thread took a whole core once
 * transactions stopped (apache/rocketmq#10966); {@link NonSpinningOpBatchService}, which replaces it, takes
 * under 5 % of one, and still writes the op records (a transaction ended after the quiet spell is not
 * checked back).
 *
 * <p>{@code -Dbroker.idle.fix=false} keeps RocketMQ's own thread (the test then fails and prints the
 * spin); {@code -Dbroker.idle.seconds=60} measures a longer window. Both only serve to reproduce the
 * figures in docs/decisions.md.
 */
class OpBatchIdleCpuIT {

    /** RocketMQ's transactionOpBatchInterval: ops older than this are written, and the spin starts. */
    private static final Duration OP_BATCH_INTERVAL = Duration.ofSeconds(3);
    private static final double MAX_CORE_SHARE = 0.05;
    private static final String TOPIC = "op-batch-idle-it";
    private static final String STOCK_THREAD = "TransactionalOpBatchService";

    @TempDir
    Path home;

    @Test
    void idle_op_batch_thread_uses_under_5_percent_of_a_core_and_still_writes_ops() throws Exception {
        boolean fix = Boolean.parseBoolean(System.getProperty("broker.idle.fix", "true"));
        Duration window = Duration.ofSeconds(Long.getLong("broker.idle.seconds", 10));
        Set<String> checkedBack = ConcurrentHashMap.newKeySet();

        try (TestBroker broker = TestBroker.start(home, Map.of("opBatchIdleSpinFix", Boolean.toString(fix)))) {
            broker.createTopic(TOPIC, "TRANSACTION");
            TransactionMQProducer producer = new TransactionMQProducer("op-batch-idle-it-producer");
            producer.setNamesrvAddr(broker.namesrvAddr());
            producer.setTransactionListener(new TransactionListener() {
                @Override
                public LocalTransactionState executeLocalTransaction(Message msg, Object decision) {
                    return (LocalTransactionState) decision;
                }

                @Override
                public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                    checkedBack.add(msg.getKeys());
                    return msg.getKeys().startsWith(LocalTransactionState.ROLLBACK_MESSAGE.name())
                            ? LocalTransactionState.ROLLBACK_MESSAGE
                            : LocalTransactionState.COMMIT_MESSAGE;
                }
            });
            producer.start();
            try {
                for (int i = 0; i < 10; i++) {
                    send(producer, LocalTransactionState.COMMIT_MESSAGE);
                    send(producer, LocalTransactionState.ROLLBACK_MESSAGE);
                }
                // Quiet for longer than the batch interval: the ops are written and their queue goes stale.
                Thread.sleep(OP_BATCH_INTERVAL.multipliedBy(2).toMillis());

                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long opBatchThread = opBatchThread(threads, fix ? NonSpinningOpBatchService.THREAD_NAME : STOCK_THREAD);
                com.sun.management.OperatingSystemMXBean os =
                        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                Map<Long, Long> threadCpu0 = threadCpu(threads);
                long processCpu0 = os.getProcessCpuTime();
                long wall0 = System.nanoTime();
                Thread.sleep(window.toMillis());
                long wall = System.nanoTime() - wall0;
                long processCpu = os.getProcessCpuTime() - processCpu0;
                Map<Long, Long> threadCpu = threadCpu(threads);
                threadCpu.replaceAll((id, nanos) -> nanos - threadCpu0.getOrDefault(id, 0L));
                double threadShare = (double) threadCpu.getOrDefault(opBatchThread, 0L) / wall;
                long javaThreadsCpu = threadCpu.values().stream().mapToLong(Long::longValue).sum();
                System.out.printf("idle %d s, op-batch fix %s: op-batch thread %.2f %% of a core,"
                        + " this JVM (broker + name server + producer) %.2f %%, of which Java threads %.2f %%"
                        + " (the rest is the JVM's own: GC, JIT); busiest threads:%n", window.toSeconds(), fix,
                        threadShare * 100, 100.0 * processCpu / wall, 100.0 * javaThreadsCpu / wall);
                threadCpu.entrySet().stream().sorted(Map.Entry.<Long, Long>comparingByValue().reversed()).limit(8)
                        .forEach(e -> System.out.printf("  %6.2f %%  %s%n", 100.0 * e.getValue() / wall,
                                threadName(threads, e.getKey())));

                assertThat(threadShare).as("CPU share of the idle op-batch thread").isLessThan(MAX_CORE_SHARE);

                // An op not written within transactionTimeOut (3 s) is checked back within the next
                // check interval (2 s): the first transaction after the quiet spell must not be.
                String afterIdle = send(producer, LocalTransactionState.COMMIT_MESSAGE);
                Thread.sleep(Duration.ofSeconds(8).toMillis());
                assertThat(checkedBack).as("check-backs after the quiet spell").doesNotContain(afterIdle);
            } finally {
                producer.shutdown();
            }
        }
    }

    private static String send(TransactionMQProducer producer, LocalTransactionState decision) throws Exception {
        String key = decision.name() + "-" + UUID.randomUUID();
        TransactionSendResult result =
                producer.sendMessageInTransaction(new Message(TOPIC, "op", key, key.getBytes(UTF_8)), decision);
        assertThat(result.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
        assertThat(result.getLocalTransactionState()).isEqualTo(decision);
        return key;
    }

    /** The one live thread with that name; no other thread named like RocketMQ's op-batch service. */
    private static long opBatchThread(ThreadMXBean threads, String name) {
        List<ThreadInfo> found = new ArrayList<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(STOCK_THREAD)) {
                found.add(info);
            }
        }
        assertThat(found).extracting(ThreadInfo::getThreadName).containsExactly(name);
        return found.get(0).getThreadId();
    }

    /** CPU time so far of every live thread, by thread id. */
    private static Map<Long, Long> threadCpu(ThreadMXBean threads) {
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long nanos = threads.getThreadCpuTime(id);
            if (nanos >= 0) {
                cpu.put(id, nanos);
            }
        }
        return cpu;
    }

    private static String threadName(ThreadMXBean threads, long id) {
        ThreadInfo info = threads.getThreadInfo(id);
        return info == null ? "(ended) #" + id : info.getThreadName();
    }
}
