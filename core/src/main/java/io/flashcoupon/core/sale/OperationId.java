package io.flashcoupon.core.sale;

import io.flashcoupon.core.InvalidInputException;
import java.util.UUID;

/**
 * Names one operator operation on a sale (a restock, a pause/resume/stop, a cleanup) for its Lua
 * script, which records the ids it applied: the same id seen again is a replay of that operation and
 * is answered with what it did, never judged again on the state it changed. Replays happen without
 * anyone asking - Lettuce re-sends a command whose reply was lost when the connection dropped - and
 * when an operator retries with the same {@value #HEADER}. Every call the service makes gets a fresh
 * id unless the operator gave one.
 */
public record OperationId(String value) {
    /** The HTTP header operators give their own id in (admin API restock and cleanup). */
    public static final String HEADER = "Idempotency-Key";
    /** The longest id accepted. */
    public static final int MAX_LENGTH = 64;

    public OperationId {
        if (!valid(value)) {
            throw new IllegalArgumentException("operation id must be 1 to " + MAX_LENGTH
                    + " characters of letters, digits, '-', '_', '.' or ':', was " + value);
        }
    }

    /** A new id no other operation has (a random UUID). */
    public static OperationId fresh() {
        return new OperationId(UUID.randomUUID().toString());
    }

    /**
     * The id an operator gave in {@code field}, or a fresh one when {@code raw} is null (not given);
     * InvalidInputException naming {@code field} when it is empty, too long or has other characters.
     */
    public static OperationId givenOrFresh(String field, String raw) {
        if (raw == null) {
            return fresh();
        }
        if (!valid(raw)) {
            throw new InvalidInputException(field, "must be 1 to " + MAX_LENGTH
                    + " characters of letters, digits, '-', '_', '.' or ':'");
        }
        return new OperationId(raw);
    }

    private static boolean valid(String v) {
        if (v == null || v.isEmpty() || v.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return value;
    }
}
