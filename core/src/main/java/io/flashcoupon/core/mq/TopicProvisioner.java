package io.flashcoupon.core.mq;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.Registry.TopicSpec;
import io.flashcoupon.core.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicAttributes;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.attribute.AttributeParser;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.body.SubscriptionGroupWrapper;
import org.apache.rocketmq.remoting.protocol.body.TopicConfigSerializeWrapper;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;

/**
 * Creates the service's topics, each with its message type, and its missing consumer groups on every
 * master broker the name server knows, then waits until the name server routes every topic
 * ({@link #provision}); or, where operators provision the broker (rocketmq.provision-topics false),
 * only checks that the name server routes every topic ({@link #verify}).
 *
 * <p>Brokers run with auto-creation off: a topic auto-created on first send would be NORMAL and a
 * transactional send needs a TRANSACTION topic; a restarted broker may not serve its old topics to
 * clients for a while. So this runs on every start, idempotently, against the embedded broker and an
 * external cluster alike. It speaks the remoting admin requests of rocketmq-client
 * (UPDATE_AND_CREATE_TOPIC with attribute {@code +message.type=<TYPE>}, as {@code mqadmin updateTopic -a}
 * sends it; UPDATE_AND_CREATE_SUBSCRIPTIONGROUP) over a private remoting client that lives for one call.
 *
 * <p>A broker that does not answer (timeout, connection refused) is asked again until the deadline: a
 * loaded or just restarted broker can take longer than one RPC timeout. An error answer fails at once.
 *
 * <p>What an operator tuned is kept: a topic the broker already holds is sent again as the broker
 * holds it (its queue counts and permissions), with only its message type set to the service's; a
 * consumer group the broker already holds is not sent at all. The broker's ACL credentials, when set,
 * sign every request ({@code rpcHook}, an AclClientRPCHook).
 *
 * <p>Known gaps: masters only (slaves copy from their master); every cluster registered with the name
 * server is provisioned; {@link #verify} checks topic routes, not consumer groups or message types;
 * closing the client costs ~3 s (RocketMQ's NettyEventExecutor polls with a 3 s timeout).
 */
public final class TopicProvisioner {
    private static final long MAX_RPC_MILLIS = 3_000;
    private static final long POLL_MILLIS = 100;

    private TopicProvisioner() {}

    /** Provisions {@link Registry#TOPICS}, {@link Registry#CONSUMER_GROUPS} and {@code extraGroups}. */
    public static void provision(String namesrvAddr, List<String> extraGroups, Duration timeout) {
        provision(namesrvAddr, (RPCHook) null, extraGroups, timeout);
    }

    /** As {@link #provision(String, List, Duration)}, every request signed by {@code rpcHook} (null = none). */
    public static void provision(String namesrvAddr, RPCHook rpcHook, List<String> extraGroups, Duration timeout) {
        List<String> groups = new ArrayList<>(Registry.CONSUMER_GROUPS);
        groups.addAll(Objects.requireNonNull(extraGroups, "extraGroups"));
        provision(namesrvAddr, rpcHook, Registry.TOPICS, groups, timeout);
    }

    public static void provision(String namesrvAddr, List<TopicSpec> topics, List<String> groups, Duration timeout) {
        provision(namesrvAddr, (RPCHook) null, topics, groups, timeout);
    }

    /**
     * Creates nothing: returns once the name server routes every topic of {@code topics} to a master
     * broker, writable (a broker restarted on its store can take ~20-25 s to route its topics again).
     *
     * @throws ConfigException naming the first topic not routed within {@code timeout} and the key
     */
    public static void verify(String namesrvAddr, RPCHook rpcHook, List<TopicSpec> topics, Duration timeout) {
        requireText(namesrvAddr, "namesrvAddr");
        Objects.requireNonNull(topics, "topics");
        long deadline = deadline(timeout);
        MQClientAPIImpl api = client(namesrvAddr, rpcHook);
        try {
            for (TopicSpec topic : topics) {
                awaitAnyRoute(api, namesrvAddr, topic, deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking RocketMQ topics via " + namesrvAddr, e);
        } finally {
            api.shutdown();
        }
    }

    /**
     * Creates the missing {@code topics} and {@code groups} on every master broker (a topic the broker
     * holds is sent again as held, with the message type of its spec; a group it holds is left alone) and
     * returns once the name server routes each topic to each of them with the queue count sent.
     *
     * @throws IllegalStateException if no broker shows up, a broker refuses, or the routes do not appear
     *     within {@code timeout}
     */
    public static void provision(String namesrvAddr, RPCHook rpcHook, List<TopicSpec> topics, List<String> groups,
                                 Duration timeout) {
        provision(namesrvAddr, rpcHook, topics, groups, 1, timeout);
    }

    /**
     * As above, once the name server lists at least {@code minMasters} master brokers (rocketmq.min-masters):
     * a broker that registers after provisioning ran gets no topic until the next start, so a cluster
     * started all at once waits for all of its masters.
     */
    public static void provision(String namesrvAddr, RPCHook rpcHook, List<TopicSpec> topics, List<String> groups,
                                 int minMasters, Duration timeout) {
        requireText(namesrvAddr, "namesrvAddr");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(groups, "groups");
        Set<String> distinctGroups = new LinkedHashSet<>();
        for (String group : groups) {
            distinctGroups.add(requireText(group, "consumer group"));
        }
        long deadline = deadline(timeout);
        MQClientAPIImpl api = client(namesrvAddr, rpcHook);
        try {
            Map<String, String> masters = awaitMasters(api, namesrvAddr, minMasters, deadline);
            // per topic: broker name -> the write queue count its route must show
            Map<String, Map<String, Integer>> expectedQueues = new TreeMap<>();
            for (Map.Entry<String, String> master : masters.entrySet()) {
                Map<String, TopicConfig> existingTopics = existingTopics(api, master.getKey(), master.getValue(),
                        deadline);
                for (TopicSpec topic : topics) {
                    int queues = createTopic(api, master.getKey(), master.getValue(), topic,
                            existingTopics.get(topic.name()), deadline);
                    expectedQueues.computeIfAbsent(topic.name(), t -> new TreeMap<>()).put(master.getKey(), queues);
                }
                Set<String> existingGroups = existingGroups(api, master.getKey(), master.getValue(), deadline);
                for (String group : distinctGroups) {
                    if (!existingGroups.contains(group)) {
                        createGroup(api, master.getKey(), master.getValue(), group, deadline);
                    }
                }
            }
            for (TopicSpec topic : topics) {
                awaitRoute(api, namesrvAddr, topic, expectedQueues.get(topic.name()), deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while provisioning RocketMQ topics via " + namesrvAddr, e);
        } finally {
            api.shutdown();
        }
    }

    /** A bare remoting client: no client instance, group or heartbeat shared with the service's clients. */
    private static MQClientAPIImpl client(String namesrvAddr, RPCHook rpcHook) {
        ClientConfig clientConfig = new ClientConfig();
        clientConfig.setNamesrvAddr(namesrvAddr);
        MQClientAPIImpl api = new MQClientAPIImpl(new NettyClientConfig(), new ClientRemotingProcessor(null), rpcHook,
                clientConfig);
        api.updateNameServerAddressList(namesrvAddr);
        api.start();
        return api;
    }

    private static long deadline(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return System.nanoTime() + timeout.toNanos();
    }

    /** The topics {@code addr} holds, by name. */
    private static Map<String, TopicConfig> existingTopics(MQClientAPIImpl api, String brokerName, String addr,
                                                          long deadline) throws InterruptedException {
        while (true) {
            try {
                TopicConfigSerializeWrapper all = api.getAllTopicConfig(addr, rpcMillis(deadline));
                Map<String, TopicConfig> out = new TreeMap<>();
                if (all != null && all.getTopicConfigTable() != null) {
                    out.putAll(all.getTopicConfigTable());
                }
                return out;
            } catch (InterruptedException e) {
                throw e;
            } catch (RemotingException e) {
                pauseOrFail(deadline, () -> "Broker " + brokerName + " (" + addr + ") did not list its topics"
                        + " before the deadline", e);
            } catch (Exception e) {
                throw new IllegalStateException("Broker " + brokerName + " (" + addr + ") refused to list its topics: "
                        + e.getMessage(), e);
            }
        }
    }

    /** The consumer groups {@code addr} holds. */
    private static Set<String> existingGroups(MQClientAPIImpl api, String brokerName, String addr, long deadline)
            throws InterruptedException {
        while (true) {
            try {
                SubscriptionGroupWrapper all = api.getAllSubscriptionGroup(addr, rpcMillis(deadline));
                Set<String> out = new LinkedHashSet<>();
                if (all != null && all.getSubscriptionGroupTable() != null) {
                    out.addAll(all.getSubscriptionGroupTable().keySet());
                }
                return out;
            } catch (InterruptedException e) {
                throw e;
            } catch (RemotingException e) {
                pauseOrFail(deadline, () -> "Broker " + brokerName + " (" + addr + ") did not list its consumer"
                        + " groups before the deadline", e);
            } catch (Exception e) {
                throw new IllegalStateException("Broker " + brokerName + " (" + addr + ") refused to list its"
                        + " consumer groups: " + e.getMessage(), e);
            }
        }
    }

    /** Broker name to master address, once the name server lists at least {@code minMasters} masters. */
    private static Map<String, String> awaitMasters(MQClientAPIImpl api, String namesrvAddr, int minMasters,
            long deadline) throws InterruptedException {
        Exception last = null;
        int[] seen = {0};
        while (true) {
            try {
                ClusterInfo info = api.getBrokerClusterInfo(rpcMillis(deadline));
                Map<String, String> masters = new TreeMap<>();
                if (info != null && info.getBrokerAddrTable() != null) {
                    for (BrokerData broker : info.getBrokerAddrTable().values()) {
                        Map<Long, String> addrs = broker.getBrokerAddrs();
                        String addr = addrs == null ? null : addrs.get(MixAll.MASTER_ID);
                        if (addr != null) {
                            masters.put(broker.getBrokerName(), addr);
                        }
                    }
                }
                seen[0] = masters.size();
                if (masters.size() >= Math.max(1, minMasters)) {
                    return masters;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            pauseOrFail(deadline, () -> (seen[0] == 0 ? "No master broker" : "Only " + seen[0] + " of the "
                    + minMasters + " master brokers (rocketmq.min-masters)") + " registered with name server "
                    + namesrvAddr + " before the deadline", last);
        }
    }

    /**
     * Creates {@code spec} on the broker, or sends {@code existing} again (queue counts, permissions, order,
     * system flag and filter type as the broker holds them; attributes other than the message type are
     * left as they are) with the message type of {@code spec}; returns the write queue count sent.
     */
    private static int createTopic(MQClientAPIImpl api, String brokerName, String addr, TopicSpec spec,
                                   TopicConfig existing, long deadline) throws InterruptedException {
        TopicConfig config = existing == null
                ? new TopicConfig(requireText(spec.name(), "topic name"), spec.queues(), spec.queues(),
                        PermName.PERM_READ | PermName.PERM_WRITE)
                : new TopicConfig(existing); // as held: queues, permissions, order, system flag, filter type
        // "+message.type=TRANSACTION": add/replace the attribute, as mqadmin updateTopic -a sends it.
        String typeKey = AttributeParser.ATTR_ADD_PLUS_SIGN + TopicAttributes.TOPIC_MESSAGE_TYPE_ATTRIBUTE.getName();
        config.setAttributes(Map.of(typeKey, requireText(spec.messageType(), "message type")));
        while (true) {
            try {
                api.createTopic(addr, TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, config, rpcMillis(deadline));
                return config.getWriteQueueNums();
            } catch (InterruptedException e) {
                throw e;
            } catch (RemotingException e) {
                // No answer (timeout, connection): a busy or starting broker; creating again is harmless.
                pauseOrFail(deadline, () -> "Broker " + brokerName + " (" + addr + ") did not answer the creation of"
                        + " topic " + spec.name() + " before the deadline", e);
            } catch (Exception e) {
                throw new IllegalStateException("Broker " + brokerName + " (" + addr + ") refused topic " + spec.name()
                        + " [" + spec.messageType() + ", " + spec.queues() + " queues]: " + e.getMessage(), e);
            }
        }
    }

    private static void createGroup(MQClientAPIImpl api, String brokerName, String addr, String group, long deadline)
            throws InterruptedException {
        SubscriptionGroupConfig config = new SubscriptionGroupConfig();
        config.setGroupName(group);
        while (true) {
            try {
                api.createSubscriptionGroup(addr, config, rpcMillis(deadline));
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (RemotingException e) {
                pauseOrFail(deadline, () -> "Broker " + brokerName + " (" + addr + ") did not answer the creation of"
                        + " consumer group " + group + " before the deadline", e);
            } catch (Exception e) {
                throw new IllegalStateException("Broker " + brokerName + " (" + addr + ") refused consumer group "
                        + group + ": " + e.getMessage(), e);
            }
        }
    }

    /** Waits until the name server routes {@code spec} to any master broker, writable. */
    private static void awaitAnyRoute(MQClientAPIImpl api, String namesrvAddr, TopicSpec spec, long deadline)
            throws InterruptedException {
        Exception last = null;
        while (true) {
            try {
                TopicRouteData route = api.getTopicRouteInfoFromNameServer(spec.name(), rpcMillis(deadline), false);
                if (route != null && route.getQueueDatas() != null) {
                    for (QueueData queues : route.getQueueDatas()) {
                        if (queues.getWriteQueueNums() > 0 && PermName.isWriteable(queues.getPerm())) {
                            return;
                        }
                    }
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e; // TOPIC_NOT_EXIST
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                // what the configuration asks of the cluster it cannot give: one line (Main prints it)
                String answer = last == null || last.getMessage() == null ? ""
                        : " (last answer: " + last.getMessage().lines().findFirst().orElse("") + ")";
                throw new ConfigException("rocketmq.provision-topics is false and name server " + namesrvAddr
                        + " routes no writable topic " + spec.name() + ": create it (" + spec.messageType() + ", "
                        + spec.queues() + " queues) or set rocketmq.provision-topics true" + answer);
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
        }
    }

    /**
     * Waits until the name server routes {@code spec} to every broker with the queue count sent, and to at
     * least one of them writable: an operator may have made a broker or a topic read-only (to drain it),
     * which must not fail a restart.
     */
    private static void awaitRoute(MQClientAPIImpl api, String namesrvAddr, TopicSpec spec,
                                   Map<String, Integer> queuesByBroker, long deadline) throws InterruptedException {
        Exception last = null;
        Set<String> brokerNames = queuesByBroker.keySet();
        Set<String> missing = brokerNames;
        while (true) {
            try {
                TopicRouteData route = api.getTopicRouteInfoFromNameServer(spec.name(), rpcMillis(deadline), false);
                missing = new LinkedHashSet<>(brokerNames);
                boolean writable = false;
                if (route != null && route.getQueueDatas() != null) {
                    for (QueueData queues : route.getQueueDatas()) {
                        Integer expected = queuesByBroker.get(queues.getBrokerName());
                        if (expected != null && queues.getWriteQueueNums() == expected) {
                            missing.remove(queues.getBrokerName());
                            writable |= PermName.isWriteable(queues.getPerm());
                        }
                    }
                }
                if (missing.isEmpty() && writable) {
                    return;
                }
                if (missing.isEmpty()) {
                    missing = Set.of("any of them writable");
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e; // TOPIC_NOT_EXIST until the broker's registration reaches the name server
            }
            Set<String> stillMissing = missing;
            pauseOrFail(deadline, () -> "Name server " + namesrvAddr + " does not route topic " + spec.name()
                    + " to " + stillMissing + " before the deadline", last);
        }
    }

    private static void pauseOrFail(long deadline, Supplier<String> message, Exception last)
            throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            String cause = last == null ? "" : " (last error: " + last.getMessage() + ")";
            throw new IllegalStateException(message.get() + cause, last);
        }
        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
    }

    private static long rpcMillis(long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return Math.max(1, Math.min(left, MAX_RPC_MILLIS));
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }
}
