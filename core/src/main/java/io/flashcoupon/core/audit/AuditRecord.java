package io.flashcoupon.core.audit;

/**
 * One entry of the audit trail: who (a token's configured name and role, or "system"), did what
 * (action on a target), when (UTC millis), under which request id, with what outcome (DONE, or
 * REFUSED with the HTTP status and reason), and the target's state before and after as JSON text
 * (null when there was none, e.g. before a create). Never holds a token.
 *
 * @param id 0 until stored
 * @param httpStatus the answer's status; null for a change the service made itself
 */
public record AuditRecord(long id, long atMs, String actorName, String actorRole, String action, String targetType,
        String targetId, String requestId, Outcome outcome, Integer httpStatus, String reason, String before,
        String after) {
    /** The actor of the changes the service makes on its own schedule. */
    public static final String SYSTEM = "system";
    /** Longest reason kept (the column's size); longer ones are cut. */
    public static final int MAX_REASON = 1000;

    /** Whether the call did what it asked, or was answered with an error. */
    public enum Outcome { DONE, REFUSED }

    public AuditRecord {
        if (reason != null && reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON - 3) + "...";
        }
    }

    /** This record as stored under {@code newId}. */
    public AuditRecord withId(long newId) {
        return new AuditRecord(newId, atMs, actorName, actorRole, action, targetType, targetId, requestId, outcome,
                httpStatus, reason, before, after);
    }

    /** The one INFO line of this record: every field but the states, which stay in MySQL. */
    public String logLine() {
        StringBuilder b = new StringBuilder("AUDIT actor=").append(actorName).append(" role=").append(actorRole)
                .append(" action=").append(action).append(" target=").append(targetType).append('/')
                .append(targetId == null ? "-" : targetId).append(" outcome=").append(outcome);
        if (httpStatus != null) {
            b.append(" status=").append(httpStatus);
        }
        b.append(" request_id=").append(requestId).append(" at_ms=").append(atMs);
        if (reason != null) {
            b.append(" reason=\"").append(reason.replace('"', '\'')).append('"');
        }
        return b.toString();
    }
}
