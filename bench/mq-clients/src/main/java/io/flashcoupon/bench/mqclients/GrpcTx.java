package io.flashcoupon.bench.mqclients;

import java.time.Duration;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.Transaction;
import org.apache.rocketmq.client.apis.producer.TransactionResolution;
import org.apache.rocketmq.client.apis.message.Message;

/**
 * The 5.x gRPC client (org.apache.rocketmq:rocketmq-client-java) through a proxy in cluster mode:
 * beginTransaction, synchronous send of the half message, the local "work" (COMMIT), then
 * Transaction.commit() - which, like the remoting client's END_TRANSACTION, does not wait for the
 * proxy's answer. One attempt (no retry), 3 s request timeout, no TLS.
 */
final class GrpcTx implements TxClient {
    private final String endpoints;
    private final String topic;
    private final String tag;
    private ClientServiceProvider provider;
    private Producer producer;

    GrpcTx(String endpoints, String topic, String tag) {
        this.endpoints = endpoints;
        this.topic = topic;
        this.tag = tag;
    }

    @Override
    public String name() {
        return "grpc";
    }

    @Override
    public String describe() {
        return "rocketmq-client-java " + org.apache.rocketmq.client.java.misc.MetadataUtils.getVersion()
                + " -> proxy (cluster mode) gRPC " + endpoints + " -> broker";
    }

    @Override
    public void start() throws Exception {
        provider = ClientServiceProvider.loadService();
        ClientConfiguration config = ClientConfiguration.newBuilder()
                .setEndpoints(endpoints)
                .enableSsl(false)
                .setRequestTimeout(Duration.ofSeconds(3))
                .build();
        producer = provider.newProducerBuilder()
                .setClientConfiguration(config)
                .setTopics(topic)
                .setMaxAttempts(1)
                .setTransactionChecker(view -> TransactionResolution.COMMIT)
                .build();
    }

    @Override
    public void transact(String key, byte[] body) throws Exception {
        Message msg = provider.newMessageBuilder()
                .setTopic(topic)
                .setTag(tag)
                .setKeys(key)
                .addProperty("activity_id", "4242")
                .addProperty("coupon_sn", key)
                .setBody(body)
                .build();
        Transaction tx = producer.beginTransaction();
        producer.send(msg, tx);
        // local work: the grab's "GRANTED" -> commit
        tx.commit();
    }

    @Override
    public void close() {
        if (producer != null) {
            try {
                producer.close();
            } catch (Exception e) {
                System.err.println("grpc producer close: " + e);
            }
        }
    }
}
