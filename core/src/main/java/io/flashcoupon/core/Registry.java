package io.flashcoupon.core;

import io.flashcoupon.core.sale.Segment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every topic, tag, group, Redis key and table name of the service, declared once.
 *
 * <p>Redis keys of one activity share the hash tag {@code {<activityId>}} so that the grab script
 * touches one hash slot and runs unchanged on Redis Cluster.
 */
public final class Registry {
    private Registry() {}

    // ------------------------------------------------------------------ RocketMQ
    /** Lifecycle events of coupons (CouponEvent protobuf bodies, tag = event type, key = coupon_sn). */
    public static final String TOPIC_COUPON_EVENTS = "coupon-events";
    /** Canal flat-message JSON of the coupon tables (issue 6). */
    public static final String TOPIC_BINLOG = "coupon-binlog-topic";
    /**
     * CouponGrabbed of the start-up warm-up's synthetic sale (business.flashsale.warmup-grabs): the real
     * transactional path, on a topic nobody consumes, so no warm-up grant ever becomes a coupon.
     */
    public static final String TOPIC_WARMUP = "coupon-warmup";

    /** Transactional producer of CouponGrabbed; the broker checks back any member of this group. */
    public static final String GROUP_GRAB_PRODUCER = "coupon-grab-producer";
    /** Transactional producer of the start-up warm-up (its own group: its check-backs stay apart). */
    public static final String GROUP_WARMUP_PRODUCER = "coupon-warmup-producer";
    /** Materializes CouponGrabbed into user_coupons rows. */
    public static final String GROUP_MATERIALIZER = "coupon-materializer";
    /**
     * Reads coupon-binlog-topic in BROADCASTING mode: every process gets every flat message and
     * drops the Redis (L2) and its own Caffeine (L1) copies of the changed rows.
     */
    public static final String GROUP_CACHE_INVALIDATION = "coupon-cache-invalidation";
    /** The embedded binlog reader's producer of flat messages. */
    public static final String GROUP_BINLOG_PRODUCER = "coupon-binlog-producer";

    /** Tag of CouponGrabbed messages. */
    public static final String TAG_COUPON_GRABBED = "CouponGrabbed";

    /** Tags of the wallet lifecycle events (CouponStateChanged bodies), relayed from the outbox. */
    public static final String TAG_COUPON_LOCKED = "CouponLocked";
    public static final String TAG_COUPON_UNLOCKED = "CouponUnlocked";
    public static final String TAG_COUPON_USED = "CouponUsed";
    public static final String TAG_COUPON_REVERTED = "CouponReverted";
    public static final String TAG_COUPON_EXPIRED = "CouponExpired";

    /** Transactional producer of the outbox relay; its check-back answers from coupon_outbox. */
    public static final String GROUP_OUTBOX_PRODUCER = "coupon-outbox-relay";

    /** Message properties carried by a CouponGrabbed half message, read by the transaction checker. */
    public static final String PROP_ACTIVITY_ID = "activityId";
    public static final String PROP_COUPON_SN = "couponSn";
    /**
     * "userId:seq" of the grab a CouponGrabbed message carries: the check-back commits it only when the
     * ledger entry under its coupon_sn is this grab's (not another grab's that made the same coupon_sn).
     */
    public static final String PROP_GRANTEE = "grantee";

    /**
     * Message property "index/count": the segment of a split sale whose ledger holds the grant (absent for
     * a sale of one segment), so a check-back asks the right slot.
     */
    public static final String PROP_SEGMENT = "segment";
    /** W3C trace context of the grab that sent a message (present only while tracing is on). */
    public static final String PROP_TRACEPARENT = "traceparent";
    public static final String PROP_TRACESTATE = "tracestate";
    /** Message property of a relayed outbox event: its event_id, read by the relay's check-back. */
    public static final String PROP_EVENT_ID = "eventId";

    /** A topic and the message type the broker must know it by. */
    public record TopicSpec(String name, String messageType, int queues) {}

    /** Topics created on every start (re-created because a restarted broker may not serve old ones at once). */
    public static final List<TopicSpec> TOPICS = List.of(
            new TopicSpec(TOPIC_COUPON_EVENTS, "TRANSACTION", 8),
            new TopicSpec(TOPIC_BINLOG, "NORMAL", 4),
            new TopicSpec(TOPIC_WARMUP, "TRANSACTION", 4));

    /**
     * The most queues rocketmq.queues may give a topic on one broker: each queue is a consume queue file
     * set per broker and a unit of consumer parallelism; far beyond the consumers' threads it only costs.
     */
    public static final int MAX_QUEUES_PER_TOPIC = 256;

    /** The queue count of each of {@link #TOPICS}, by topic name (the defaults of rocketmq.queues). */
    public static Map<String, Integer> defaultQueues() {
        Map<String, Integer> queues = new TreeMap<>();
        for (TopicSpec topic : TOPICS) {
            queues.put(topic.name(), topic.queues());
        }
        return Collections.unmodifiableMap(queues);
    }

    /**
     * {@link #TOPICS} with the queue count {@code queues} gives each (rocketmq.queues, validated to name
     * every topic); IllegalArgumentException naming a topic it leaves out.
     */
    public static List<TopicSpec> topics(Map<String, Integer> queues) {
        List<TopicSpec> out = new ArrayList<>(TOPICS.size());
        for (TopicSpec topic : TOPICS) {
            Integer count = queues.get(topic.name());
            if (count == null) {
                throw new IllegalArgumentException("no queue count for topic " + topic.name());
            }
            out.add(new TopicSpec(topic.name(), topic.messageType(), count));
        }
        return List.copyOf(out);
    }

    /** Consumer groups created at start when missing (rocketmq.provision-topics). */
    public static final List<String> CONSUMER_GROUPS = List.of(GROUP_MATERIALIZER, GROUP_CACHE_INVALIDATION);

    // ------------------------------------------------------------------ MySQL
    public static final String TABLE_TEMPLATES = "coupon_templates";
    /** Every version of every template's terms, immutable; coupons are priced by the version they were granted with. */
    public static final String TABLE_TEMPLATE_VERSIONS = "coupon_template_versions";
    public static final String TABLE_ACTIVITIES = "flash_sale_activities";
    public static final String TABLE_USER_COUPONS = "user_coupons";
    public static final String TABLE_USAGE_LOGS = "coupon_usage_logs";
    public static final String TABLE_BARRIER = "barrier";
    /** Lifecycle events waiting to be relayed to coupon-events, written with the change they describe. */
    public static final String TABLE_OUTBOX = "coupon_outbox";
    /** The latest reconciliation report of each activity, and when its sale was cleaned out of Redis. */
    public static final String TABLE_RECONCILIATION_REPORTS = "reconciliation_reports";
    /** Per live sale: the Redis run id it was verified on, its fence while healed, the latest heal. */
    public static final String TABLE_SALE_FENCES = "sale_fences";

    /**
     * Grants the user_coupons sink could not write because another row holds their (activity, user,
     * seq) or their coupon_sn; reported by reconciliation until an operator resolves them.
     */
    public static final String TABLE_GRANT_CONFLICTS = "grant_conflicts";
    /** Per flash sale: the user_coupons rows the sink inserted, counted in its batch transactions. */
    public static final String TABLE_SALE_ROW_COUNTS = "sale_row_counts";

    /** The operators' audit trail (V17): one row per mutating admin call and per system lifecycle change. */
    public static final String TABLE_AUDIT_LOG = "audit_log";
    /** Columns of audit_log, in the order AuditLog writes and reads them (id is generated). */
    public static final String AUDIT_ID = "id";
    public static final String AUDIT_AT_MS = "at_ms";
    public static final String AUDIT_ACTOR_NAME = "actor_name";
    public static final String AUDIT_ACTOR_ROLE = "actor_role";
    public static final String AUDIT_ACTION = "action";
    public static final String AUDIT_TARGET_TYPE = "target_type";
    public static final String AUDIT_TARGET_ID = "target_id";
    public static final String AUDIT_REQUEST_ID = "request_id";
    public static final String AUDIT_OUTCOME = "outcome";
    public static final String AUDIT_HTTP_STATUS = "http_status";
    public static final String AUDIT_REASON = "reason";
    public static final String AUDIT_BEFORE = "before_state";
    public static final String AUDIT_AFTER = "after_state";
    public static final List<String> AUDIT_COLUMNS = List.of(AUDIT_AT_MS, AUDIT_ACTOR_NAME, AUDIT_ACTOR_ROLE,
            AUDIT_ACTION, AUDIT_TARGET_TYPE, AUDIT_TARGET_ID, AUDIT_REQUEST_ID, AUDIT_OUTCOME, AUDIT_HTTP_STATUS,
            AUDIT_REASON, AUDIT_BEFORE, AUDIT_AFTER);

    // ------------------------------------------------------------------ meters
    /**
     * Counter of FlashSaleCoupon answers by tag {@code code} (ingress GrabMetrics registers it; the
     * admin API's live view reads it by this name). Prometheus: coupon_grab_outcomes_total.
     */
    public static final String METER_GRAB_OUTCOMES = "coupon.grab.outcomes";
    /** Grab latency histogram by tag {@code path} (same two users). Prometheus: coupon_grab_duration_seconds. */
    public static final String METER_GRAB_DURATION = "coupon.grab.duration";

    // ------------------------------------------------------------------ Redis
    /**
     * Prefix of every L2 cache entry (a JSON copy of a MySQL row, with a TTL). Invalidation deletes
     * only keys under this prefix, never a sale's fs:{id}:* keys.
     */
    public static final String CACHE_KEY_PREFIX = "cache:";

    /**
     * A counter no one reads: incremented before WAITAOF/WAIT when the answer to confirm wrote nothing
     * itself, so the wait covers every write Redis made before that answer (RedisDurability).
     */
    public static final String DURABILITY_MARK_KEY = "fs:durability-mark";

    /**
     * Marker key number {@code i} with a hash tag of its own ("fs:durability-mark{i}"): in a Redis Cluster
     * each master's durability rounds write the first of these that master serves.
     */
    public static String durabilityMarkKey(int i) {
        return DURABILITY_MARK_KEY + "{" + i + "}";
    }

    /** L2 copy of coupon_templates row {@code templateId}. */
    public static String templateCacheKey(long templateId) {
        return CACHE_KEY_PREFIX + "template:" + templateId;
    }

    /** L2 copy of flash_sale_activities row {@code activityId}. */
    public static String activityCacheKey(long activityId) {
        return CACHE_KEY_PREFIX + "activity:" + activityId;
    }

    /** Hash of a started sale: status, start_ms, end_ms, limit, total, stock. */
    public static String saleKey(long activityId) {
        return "fs:{" + activityId + "}:sale";
    }

    /** {@link #saleKey(long)} of one segment of a sale. */
    public static String saleKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:sale";
    }

    /** Hash userId -> number of coupons the user won in the sale. */
    public static String usersKey(long activityId) {
        return "fs:{" + activityId + "}:users";
    }

    /** {@link #usersKey(long)} of one segment of a sale. */
    public static String usersKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:users";
    }

    /** Hash coupon_sn -> "userId:seq:grantedAtMs": every grant, the truth the checker answers from. */
    public static String ledgerKey(long activityId) {
        return "fs:{" + activityId + "}:ledger";
    }

    /** {@link #ledgerKey(long)} of one segment of a sale. */
    public static String ledgerKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:ledger";
    }

    /** Hash coupon_sn -> rollback time: grabs the checker rolled back; the grab script refuses them. */
    public static String voidKey(long activityId) {
        return "fs:{" + activityId + "}:void";
    }

    /** {@link #voidKey(long)} of one segment of a sale. */
    public static String voidKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:void";
    }

    /**
     * Hash "userId:requestId" -> the request's first definitive outcome: the coupon_sn it was granted,
     * or "!code" of the refusal it was answered (GrabCode 2, 3, 5, 6); every later attempt gets it.
     */
    public static String requestsKey(long activityId) {
        return "fs:{" + activityId + "}:req";
    }

    /** {@link #requestsKey(long)} of one segment of a sale. */
    public static String requestsKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:req";
    }

    /**
     * Hash batch id -> a grab batch's grants whose CouponGrabbed events are not yet known to be in the
     * broker ("createdMs:templateId", then a line "coupon_sn:userId:seq:grantedAtMs:requestId" per grant):
     * the grab script writes an entry with the grants, GrantLedger removes it once the batch's events
     * are stored, PublicationRelay sends (and removes) what a crash left behind. The publication outbox.
     */
    public static String publicationsKey(long activityId) {
        return "fs:{" + activityId + "}:pub";
    }

    /** {@link #publicationsKey(long)} of one segment of a sale. */
    public static String publicationsKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:pub";
    }

    /**
     * Hash operation id -> what the operator script did ("restock:amount:status:total:stock",
     * "transition:target:previous"): operations already applied, so a replayed script (Lettuce re-sends a
     * command whose reply was lost) or a retried Idempotency-Key answers the recorded result instead of
     * judging the changed state again. Lives as long as the sale; cleanup deletes it.
     */
    public static String opsKey(long activityId) {
        return "fs:{" + activityId + "}:ops";
    }

    /** {@link #opsKey(long)} of one segment of a sale. */
    public static String opsKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:ops";
    }

    /**
     * String "keysDeleted:operationId" that cleanup leaves when it removed the sale, with a TTL of
     * {@link #CLEANED_TTL}: a replay of that cleanup answers REMOVED again, and a cleanup cut short before
     * MySQL recorded it can be completed.
     */
    public static String cleanedKey(long activityId) {
        return "fs:{" + activityId + "}:cleaned";
    }

    /** {@link #cleanedKey(long)} of one segment of a sale. */
    public static String cleanedKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:cleaned";
    }

    /** How long a cleanup's {@link #cleanedKey} tombstone stays. */
    public static final Duration CLEANED_TTL = Duration.ofDays(7);

    /**
     * Hash transfer id -> "out:toIndex:amount:ms" or "in:fromIndex:amount:ms": the stock this segment of
     * a split sale lent to or borrowed from its other segments (lua/debit.lua, lua/credit.lua). An "out"
     * without its "in" on the receiver is a transfer in flight. Empty for a sale of one segment.
     */
    public static String transfersKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:xfer";
    }

    /**
     * String with a TTL: the token of the borrower taking stock for this segment of a split sale right now
     * (SaleSegments): one borrow per segment at a time across processes, so at most one chunk is in flight
     * to it. Not made durable; a lost lock only lets two borrows run at once.
     */
    public static String borrowLockKey(Segment segment) {
        return "fs:{" + segment.tag() + "}:borrowing";
    }

    /** Every key cleanup removes: the sale's keys ({@link #saleKeys}) and its operation record. */
    public static String[] cleanupKeys(long activityId) {
        return cleanupKeys(Segment.only(activityId));
    }

    /** Every key cleanup removes from one segment: its sale keys, operation record and transfers. */
    public static String[] cleanupKeys(Segment segment) {
        String[] sale = saleKeys(segment);
        String[] all = Arrays.copyOf(sale, sale.length + 2);
        all[sale.length] = opsKey(segment);
        all[sale.length + 1] = transfersKey(segment);
        return all;
    }

    /**
     * String: the owner token of the live process that leases node id {@code nodeId} (0..1023), with a
     * TTL of server.node-lease-ms renewed by its holder (NodeIdLease). Node ids are unique among live
     * processes through these keys.
     */
    public static String nodeLeaseKey(int nodeId) {
        return "node:{" + nodeId + "}";
    }

    /**
     * String, no TTL: the high-water mark (Unix ms) of the millisecond part of every coupon_sn issued
     * under node id {@code nodeId}, kept ahead of what its holder issues; the next holder starts above
     * it, so a restart or a clock stepped back never repeats an sn. Same hash slot as the lease.
     */
    public static String nodeHighWaterKey(int nodeId) {
        return "node:{" + nodeId + "}:hwm";
    }

    /** The keys of one sale in the order every sale script takes them (KEYS[1..6]). */
    public static String[] saleKeys(long activityId) {
        return new String[] {
            saleKey(activityId), usersKey(activityId), ledgerKey(activityId), voidKey(activityId), requestsKey(activityId),
            publicationsKey(activityId)
        };
    }

    /** {@link #saleKeys(long)} of one segment of a sale. */
    public static String[] saleKeys(Segment segment) {
        return new String[] {
            saleKey(segment), usersKey(segment), ledgerKey(segment), voidKey(segment), requestsKey(segment),
            publicationsKey(segment)
        };
    }
}
