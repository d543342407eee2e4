package io.flashcoupon.bench.mqclients;

/**
 * One way of doing the hot path's RocketMQ transaction: half message stored (synchronously), local
 * "work" that decides COMMIT (as the GrantLedger's local transaction does for a granted grab), then the commit.
 * Implementations are used from many threads at once, one shared producer, like the service's.
 */
interface TxClient extends AutoCloseable {
    /** Short name in tables and JSON. */
    String name();

    /** What it talks to, for the report. */
    String describe();

    void start() throws Exception;

    /** One transaction; returns normally only if the half message was stored and the commit was issued. */
    void transact(String key, byte[] body) throws Exception;

    @Override
    void close();
}
