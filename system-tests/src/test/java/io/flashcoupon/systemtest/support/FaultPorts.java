package io.flashcoupon.systemtest.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for the processes of one fault test, all distinct. Taken below the kernel's
 * ephemeral range (32768+), so that no outgoing connection of another process can sit on one of them
 * while the test restarts a process on it.
 */
public final class FaultPorts {
    private static final int LOW = 20_000;
    private static final int HIGH = 32_000;
    private final Set<Integer> taken = new HashSet<>();

    /** One free port. */
    public synchronized int one() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(LOW, HIGH);
            if (!taken.contains(p) && canBind(p)) {
                taken.add(p);
                return p;
            }
        }
        throw new IllegalStateException("no free port in [" + LOW + ", " + HIGH + ")");
    }

    /** A Redis Cluster node's port p with its cluster bus port p+10000 free, both below the ephemeral range. */
    public synchronized int redisClusterNode() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(LOW, HIGH - 10_000);
            if (!taken.contains(p) && !taken.contains(p + 10_000) && canBind(p) && canBind(p + 10_000)) {
                taken.add(p);
                taken.add(p + 10_000);
                return p;
            }
        }
        throw new IllegalStateException("no free port pair p, p+10000 in [" + LOW + ", " + HIGH + ")");
    }

    /** A broker port p with p-2 (VIP channel), p and p+1 (HA) free. */
    public synchronized int broker() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(LOW + 2, HIGH - 1);
            if (!taken.contains(p - 2) && !taken.contains(p) && !taken.contains(p + 1)
                    && canBind(p - 2) && canBind(p) && canBind(p + 1)) {
                taken.add(p - 2);
                taken.add(p);
                taken.add(p + 1);
                return p;
            }
        }
        throw new IllegalStateException("no free broker port triple in [" + LOW + ", " + HIGH + ")");
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return s.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
