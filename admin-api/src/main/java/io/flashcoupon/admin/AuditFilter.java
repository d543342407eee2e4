package io.flashcoupon.admin;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.audit.AuditQuery;
import io.flashcoupon.core.audit.AuditRecord;
import io.flashcoupon.core.config.ConfigValidator;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The query of GET /api/v1/audit: {@code actor} (a token name, or system), {@code action} (e.g.
 * activity.start), {@code target_type} (activity, template, grant_conflict) and {@code target_id}
 * (only with target_type), {@code from} (inclusive) and {@code to} (exclusive) as ISO-8601 UTC
 * instants, and {@link PageRequest}'s page_size and page_token. Each parameter at most once; an
 * unknown parameter, a malformed value or from not before to is a 400 naming it, never an empty page.
 */
final class AuditFilter {
    static final String ACTOR = "actor";
    static final String ACTION = "action";
    static final String TARGET_TYPE = "target_type";
    static final String TARGET_ID = "target_id";
    static final String FROM = "from";
    static final String TO = "to";
    static final Set<String> PARAMETERS = Set.of(ACTOR, ACTION, TARGET_TYPE, TARGET_ID, FROM, TO,
            PageRequest.PAGE_SIZE, PageRequest.PAGE_TOKEN);
    static final Set<String> TARGET_TYPES = Set.of(AuditedCall.ACTIVITY, AuditedCall.TEMPLATE,
            AuditedCall.GRANT_CONFLICT);
    private static final Pattern ACTION_FORMAT = Pattern.compile("[a-z_]{1,32}\\.[a-z_]{1,31}");

    private AuditFilter() {}

    /** The query and page {@code params} ask for (as Javalin's queryParamMap gives them). */
    static Parsed parse(Map<String, List<String>> params) {
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (!PARAMETERS.contains(e.getKey())) {
                throw new InvalidInputException(e.getKey(), "is not a filter of the audit log; known: actor, action,"
                        + " target_type, target_id, from, to, page_size, page_token");
            }
            if (e.getValue().size() > 1) {
                throw new InvalidInputException(e.getKey(), "must be given at most once");
            }
        }
        String actor = one(params, ACTOR);
        if (actor != null && !ConfigValidator.TOKEN_NAME.matcher(actor).matches()) {
            throw new InvalidInputException(ACTOR, "must be a token name (1 to 64 letters, digits, '.', '_', '@', '-')"
                    + " or " + AuditRecord.SYSTEM);
        }
        String action = one(params, ACTION);
        if (action != null && !ACTION_FORMAT.matcher(action).matches()) {
            throw new InvalidInputException(ACTION, "must look like activity.start or template.update");
        }
        String type = one(params, TARGET_TYPE);
        if (type != null && !TARGET_TYPES.contains(type)) {
            throw new InvalidInputException(TARGET_TYPE, "must be one of activity, grant_conflict, template");
        }
        String id = one(params, TARGET_ID);
        if (id != null && type == null) {
            throw new InvalidInputException(TARGET_ID, "needs target_type (ids of different types overlap)");
        }
        if (id != null && id.length() > AuditedCall.MAX_TARGET_ID) {
            throw new InvalidInputException(TARGET_ID, "must be at most " + AuditedCall.MAX_TARGET_ID + " characters");
        }
        Long from = instant(FROM, one(params, FROM));
        Long to = instant(TO, one(params, TO));
        if (from != null && to != null && from >= to) {
            throw new InvalidInputException(TO, "must be after from");
        }
        PageRequest page = PageRequest.parse(raw(params, PageRequest.PAGE_SIZE), raw(params, PageRequest.PAGE_TOKEN));
        return new Parsed(new AuditQuery(actor, action, type, id, from, to, page.beforeId(), page.fetchLimit()), page);
    }

    /** The query for the store and the page it is cut into. */
    record Parsed(AuditQuery query, PageRequest page) {}

    private static String one(Map<String, List<String>> params, String name) {
        String value = raw(params, name);
        if (value != null && value.isEmpty()) {
            throw new InvalidInputException(name, "must not be empty (leave the parameter out instead)");
        }
        return value;
    }

    /** A page parameter as given: PageRequest decides (an empty page_token is the first page). */
    private static String raw(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Long instant(String name, String raw) {
        if (raw == null) {
            return null;
        }
        try {
            if (StrictInstantDeserializer.SHAPE.matcher(raw).matches()) {
                return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(raw, Instant::from).toEpochMilli();
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            // refused below
        }
        throw new InvalidInputException(name, "must be an ISO-8601 instant such as 2026-01-31T09:00:00Z (year 1970"
                + " to 9998, offset up to 18:00)");
    }
}
