package io.flashcoupon.core.sale;

/**
 * A process could not lease a node id at start: server.node-id is held by another live process and
 * server.node-id-policy is refuse, or every id is held. The message names the id and the holder.
 */
public final class NodeIdTakenException extends RuntimeException {
    public NodeIdTakenException(String message) {
        super(message);
    }
}
