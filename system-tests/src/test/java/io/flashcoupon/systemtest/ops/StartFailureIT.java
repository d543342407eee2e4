package io.flashcoupon.systemtest.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.systemtest.support.FaultPorts;
import io.flashcoupon.systemtest.support.ServiceJvms;
import io.flashcoupon.systemtest.support.TempTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Main (a real process) whose Redis does not answer ends with exit code 2 and one line naming Redis,
 * its address and keys and the root cause, no stack trace; a misspelt COUPON_* variable is named in a
 * warning, with the variable it probably meant.
 */
class StartFailureIT {
    @Test
    void an_unreachable_redis_ends_the_start_with_one_line_and_a_misspelt_variable_is_named() throws Exception {
        FaultPorts ports = new FaultPorts();
        Path work = Files.createTempDirectory("coupon-start-failure-");
        try {
            int deadRedis = ports.one(); // free, so nothing answers there
            Map<String, String> env = ServiceJvms.storesEnv("coupon_it_start_failure", deadRedis);
            int grpc = ports.one();
            int http = ports.one();
            env.put(ConfigLoader.envName("server.grpc-port"), Integer.toString(grpc));
            env.put(ConfigLoader.envName("server.http-port"), Integer.toString(http));
            env.put(ConfigLoader.envName("rocketmq.embedded-home"), work.resolve("rocketmq").toString());
            env.put("COUPON_SERVER_GRPC_PROT", "9999");
            ServiceJvms.Service service = new ServiceJvms.Service("start-failure", env, work,
                    Path.of("target", "start-failure-logs", "service.log").toAbsolutePath(), grpc, http);

            int exit = service.runToExit(Duration.ofSeconds(60));

            List<String> log = service.logOfThisRun();
            List<String> refusals = log.stream().filter(l -> l.startsWith("start refused: ")).toList();
            System.out.println("[start-failure] exit " + exit + ", said: " + refusals);
            assertThat(exit).isEqualTo(2);
            assertThat(refusals).hasSize(1);
            assertThat(refusals.get(0)).startsWith("start refused: Redis at 127.0.0.1:" + deadRedis
                    + " (redis.host, redis.port) is not usable: ").contains("Connection refused");
            assertThat(log).as("no stack trace").noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Exception in"));
            assertThat(log).anyMatch(l -> l.contains("environment variable COUPON_SERVER_GRPC_PROT is ignored")
                    && l.contains("did you mean COUPON_SERVER_GRPC_PORT?"));
        } finally {
            TempTree.delete(work);
        }
    }
}
