package io.flashcoupon.systemtest.fault;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls spread round robin over several service instances, as a gateway in front of the ingress
 * would: an instance whose channel is in TRANSIENT_FAILURE (its process is down: connection refused)
 * is passed over while another is usable, as a gateway's health check takes it out of rotation.
 */
final class InstanceChannel extends Channel {
    private final List<ManagedChannel> instances;
    private final AtomicInteger next = new AtomicInteger();

    InstanceChannel(List<ManagedChannel> instances) {
        this.instances = List.copyOf(instances);
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        int start = next.getAndIncrement();
        for (int i = 0; i < instances.size(); i++) {
            ManagedChannel c = instances.get(Math.floorMod(start + i, instances.size()));
            if (c.getState(true) != ConnectivityState.TRANSIENT_FAILURE) {
                return c.newCall(method, options);
            }
        }
        return instances.get(Math.floorMod(start, instances.size())).newCall(method, options);
    }

    @Override
    public String authority() {
        return instances.get(0).authority();
    }
}
