package io.flashcoupon.core.audit;

/**
 * Filters of a read of the audit trail; null = no filter. fromMs is inclusive, toMs exclusive;
 * beforeId &gt; 0 reads the rows below it (the next page, newest first); limit rows at most.
 * A target id is only looked up together with its type.
 */
public record AuditQuery(String actorName, String action, String targetType, String targetId, Long fromMs,
        Long toMs, long beforeId, int limit) {
    public AuditQuery {
        if (targetId != null && targetType == null) {
            throw new IllegalArgumentException("a target id needs its target type");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
    }
}
