package io.flashcoupon.core.mq;

import io.flashcoupon.core.config.ServiceConfig;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.remoting.RPCHook;

/**
 * The broker's ACL credentials (rocketmq.access-key / secret-key) as the hook RocketMQ's remoting
 * clients sign every request with: producers, consumers, the readiness check and the provisioning.
 * AclClientRPCHook ships in rocketmq-client 5.5.0 itself (no rocketmq-acl module is needed).
 */
public final class BrokerAcl {
    private BrokerAcl() {}

    /** The signing hook for {@code mq}'s credentials, or null when none are set (a broker without ACL). */
    public static RPCHook rpcHook(ServiceConfig.Rocketmq mq) {
        return mq.hasCredentials() ? new AclClientRPCHook(new SessionCredentials(mq.accessKey(), mq.secretKey()))
                : null;
    }
}
