package io.flashcoupon.systemtest.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of Redis that loses one reply the way a dropped connection does. Once armed
 * with a marker, the first command that carries it (a key or an argument of an EVALSHA) is forwarded
 * to Redis, which runs it; when Redis' reply comes back the proxy closes the client's connection
 * instead of passing the reply on. Lettuce then reconnects and sends the command again (its default,
 * at-least-once): the replay an operator script must answer correctly. It counts how often a command
 * carrying the marker reached Redis, so a test can show the replay happened.
 */
public final class ReplyCutter implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "reply-cutter");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile byte[] marker;
    private final AtomicBoolean cutPending = new AtomicBoolean();
    private final AtomicInteger markerSent = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();

    private ReplyCutter(ServerSocket server, int upstreamPort) {
        this.server = server;
        this.upstreamPort = upstreamPort;
    }

    /** A proxy on a free local port in front of Redis on 127.0.0.1:{@code upstreamPort}. */
    public static ReplyCutter start(int upstreamPort) throws IOException {
        ReplyCutter cutter = new ReplyCutter(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), upstreamPort);
        cutter.threads.execute(cutter::accept);
        return cutter;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Loses the reply of the next command carrying {@code marker}; counts every command carrying it from now. */
    public void arm(String marker) {
        this.marker = marker.getBytes(StandardCharsets.UTF_8);
        markerSent.set(0);
        cuts.set(0);
        cutPending.set(true);
    }

    /** Stops watching: nothing is cut or counted until armed again. */
    public void disarm() {
        cutPending.set(false);
        marker = null;
    }

    /** Commands carrying the armed marker that reached Redis (2 after a cut and Lettuce's replay). */
    public int markerSent() {
        return markerSent.get();
    }

    /** Replies lost (connections closed) since armed. */
    public int cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                open.add(client);
                open.add(upstream);
                AtomicBoolean cutNextReply = new AtomicBoolean();
                threads.execute(() -> pump(client, upstream, cutNextReply, true));
                threads.execute(() -> pump(upstream, client, cutNextReply, false));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    System.err.println("reply-cutter: accept failed: " + e);
                }
            }
        }
    }

    /** Copies {@code from} to {@code to}; requests are scanned for the marker, replies may be cut. */
    private void pump(Socket from, Socket to, AtomicBoolean cutNextReply, boolean request) {
        byte[] buf = new byte[16 * 1024];
        byte[] tail = new byte[0];
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (request) {
                    byte[] m = marker;
                    if (m != null) {
                        byte[] window = concat(tail, buf, n);
                        if (contains(window, m)) {
                            markerSent.incrementAndGet();
                            if (cutPending.compareAndSet(true, false)) {
                                cutNextReply.set(true);
                            }
                        }
                        tail = Arrays.copyOfRange(window, Math.max(0, window.length - m.length + 1), window.length);
                    }
                } else if (cutNextReply.get()) {
                    cuts.incrementAndGet();
                    return; // closes both sockets: the reply is lost with the connection
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException closed) {
            // the other direction closed the pair, or the proxy was closed
        } finally {
            open.remove(from);
            open.remove(to);
        }
    }

    private static byte[] concat(byte[] tail, byte[] buf, int n) {
        byte[] w = Arrays.copyOf(tail, tail.length + n);
        System.arraycopy(buf, 0, w, tail.length, n);
        return w;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}
