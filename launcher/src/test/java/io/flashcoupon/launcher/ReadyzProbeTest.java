package io.flashcoupon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * compose/readyz-probe, the container healthcheck of the coupon image (bash /dev/tcp, no curl in the
 * JRE image): healthy only while GET /readyz answers 200; a 503 or a closed port is unhealthy.
 */
class ReadyzProbeTest {
    private static final Path PROBE = Path.of("..", "compose", "readyz-probe").toAbsolutePath().normalize();
    private final AtomicInteger status = new AtomicInteger(200);
    private HttpServer server;

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/readyz", ex -> {
            byte[] body = "{\"ready\":false}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status.get(), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void a_ready_process_is_healthy_and_a_503_is_not() throws Exception {
        int port = server.getAddress().getPort();
        assertThat(probe(port)).isZero();
        status.set(503);
        assertThat(probe(port)).isEqualTo(1);
        status.set(200);
        assertThat(probe(port)).as("healthy again").isZero();
    }

    @Test
    void a_port_nobody_listens_on_is_unhealthy() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        assertThat(probe(free)).isEqualTo(1);
    }

    private static int probe(int port) throws Exception {
        Process p = new ProcessBuilder(PROBE.toString(), Integer.toString(port), "3").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
