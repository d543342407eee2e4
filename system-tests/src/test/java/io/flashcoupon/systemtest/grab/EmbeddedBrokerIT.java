package io.flashcoupon.systemtest.grab;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.mq.TopicProvisioner;
import io.flashcoupon.launcher.EmbeddedBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded name server + broker, started from its isolated class loader, provisioned by
 * {@link TopicProvisioner}, carries the grab's transactional messages: an open transaction is
 * committed by the check-back, a rolled-back one is never delivered.
 */
class EmbeddedBrokerIT {

    @TempDir
    static Path clientLogs;

    @TempDir
    Path home;

    @BeforeAll
    static void keepClientLogsOutOfUserHome() {
        System.setProperty("rocketmq.log.root", clientLogs.toString());
    }

    @Test
    void open_transaction_is_committed_by_check_back_and_rolled_back_one_is_never_delivered() throws Exception {
        int namesrvPort = freePort();
        int brokerPort = freeBrokerPort(namesrvPort);
        String group = "it-embedded-broker-" + UUID.randomUUID();
        String topic = Registry.TOPIC_COUPON_EVENTS;
        Set<String> checkedBack = ConcurrentHashMap.newKeySet();
        Set<String> received = ConcurrentHashMap.newKeySet();

        try (EmbeddedBroker broker = EmbeddedBroker.start(home, namesrvPort, brokerPort)) {
            TopicProvisioner.provision(broker.namesrvAddr(), List.of(group), Duration.ofSeconds(20));

            TransactionMQProducer producer = new TransactionMQProducer(Registry.GROUP_GRAB_PRODUCER);
            producer.setNamesrvAddr(broker.namesrvAddr());
            producer.setTransactionListener(new TransactionListener() {
                @Override
                public LocalTransactionState executeLocalTransaction(Message msg, Object decision) {
                    return (LocalTransactionState) decision;
                }

                @Override
                public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                    // Like the real checker, answer from the state of record (here: the key's prefix). The
                    // broker may also check back transactions whose commit/rollback it has not applied yet.
                    checkedBack.add(msg.getKeys());
                    return msg.getKeys().startsWith("ROLLBACK_MESSAGE")
                            ? LocalTransactionState.ROLLBACK_MESSAGE
                            : LocalTransactionState.COMMIT_MESSAGE;
                }
            });
            DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(group);
            consumer.setNamesrvAddr(broker.namesrvAddr());
            consumer.setAutoCommit(false);
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            consumer.subscribe(topic, Registry.TAG_COUPON_GRABBED);
            try {
                producer.start();
                consumer.start();

                String open = send(producer, topic, LocalTransactionState.UNKNOW);
                String rolledBack = send(producer, topic, LocalTransactionState.ROLLBACK_MESSAGE);
                String committed = send(producer, topic, LocalTransactionState.COMMIT_MESSAGE);

                await("check-back commits the open transaction; the committed one arrives")
                        .atMost(Duration.ofSeconds(30))
                        .pollInSameThread()
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> {
                            for (MessageExt msg : consumer.poll(200)) {
                                received.add(msg.getKeys());
                            }
                            return received.containsAll(Set.of(open, committed));
                        });
                await("the queues are drained").atMost(Duration.ofSeconds(10)).pollInSameThread()
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> {
                            List<MessageExt> batch = consumer.poll(200);
                            batch.forEach(msg -> received.add(msg.getKeys()));
                            return batch.isEmpty();
                        });
                consumer.commit();

                assertThat(checkedBack).as("the open transaction was resolved by a check-back").contains(open);
                assertThat(received).doesNotContain(rolledBack);
            } finally {
                consumer.shutdown();
                producer.shutdown();
            }
        }
    }

    private static String send(TransactionMQProducer producer, String topic, LocalTransactionState decision)
            throws Exception {
        String key = decision + "-" + UUID.randomUUID();
        Message msg = new Message(topic, Registry.TAG_COUPON_GRABBED, key, key.getBytes(UTF_8));
        TransactionSendResult result = producer.sendMessageInTransaction(msg, decision);
        assertThat(result.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
        assertThat(result.getLocalTransactionState()).isEqualTo(decision);
        return key;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A port p with p-2, p and p+1 free (the broker's VIP, main and HA ports), away from {@code avoid}. */
    private static int freeBrokerPort(int avoid) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = freePort();
            if (port - 2 > 1024 && port + 1 <= 65535 && Math.abs(port - avoid) > 2
                    && canBind(port - 2) && canBind(port + 1)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port p with p-2 and p+1 free");
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
