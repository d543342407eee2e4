package io.flashcoupon.core.mq;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.config.ServiceConfig;
import java.util.List;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.junit.jupiter.api.Test;

class BrokerAclTest {
    private static ServiceConfig.Rocketmq mq(String accessKey, String secretKey) {
        return new ServiceConfig.Rocketmq(false, ".data/rocketmq", 9876, 10911, List.of("ns:9876"), 3000, true,
                accessKey, secretKey);
    }

    @Test
    void without_credentials_requests_go_unsigned() {
        assertThat(BrokerAcl.rpcHook(mq("", ""))).isNull();
    }

    @Test
    void with_credentials_every_request_carries_the_access_key_and_a_signature_never_the_secret() {
        RPCHook hook = BrokerAcl.rpcHook(mq("coupon-service", "s3cret-value"));
        assertThat(hook).isNotNull();
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.GET_ALL_TOPIC_CONFIG, null);
        hook.doBeforeRequest("127.0.0.1:10911", request);
        assertThat(request.getExtFields()).containsEntry("AccessKey", "coupon-service").containsKey("Signature")
                .doesNotContainValue("s3cret-value");
        assertThat(request.getExtFields().get("Signature")).isNotBlank();
    }
}
