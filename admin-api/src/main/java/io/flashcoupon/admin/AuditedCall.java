package io.flashcoupon.admin;

import io.javalin.http.HandlerType;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which admin calls the audit trail records, and as what: every route that changes something an
 * operator owns (templates, activities and their sales, grant conflicts). Not recorded: reads, the
 * order-coupon computations (POST, but they change nothing) and the DTM Saga branches (DTM's calls,
 * not an operator's). A path that matches no route changes nothing and is not recorded either.
 *
 * @param targetId the id in the path as the route reads it; null for a create, whose id comes from its answer
 */
record AuditedCall(String action, String targetType, String targetId) {
    static final String ACTIVITY = "activity";
    static final String TEMPLATE = "template";
    static final String GRANT_CONFLICT = "grant_conflict";
    /** Longest id kept from a path (the column's size); longer ones are cut, the call is refused anyway. */
    static final int MAX_TARGET_ID = 64;

    private static final Pattern ACTIVITY_VERB = Pattern.compile(
            "/api/v1/activities/([^/]+)/(start|pause|resume|stop|restock|reconcile|cleanup)");
    private static final Pattern TEMPLATE_ID = Pattern.compile("/api/v1/templates/([^/]+)");
    private static final Pattern RESOLVE = Pattern.compile("/api/v1/activities/([^/]+)/conflicts/([^/]+)/resolve");

    /** The call {@code method path} is, or null when it is not recorded. */
    static AuditedCall of(HandlerType method, String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (method == HandlerType.POST) {
            if (p.equals(TemplateRoutes.PATH)) {
                return new AuditedCall("template.create", TEMPLATE, null);
            }
            if (p.equals(ActivityRoutes.PATH)) {
                return new AuditedCall("activity.create", ACTIVITY, null);
            }
            Matcher m = ACTIVITY_VERB.matcher(p);
            if (m.matches()) {
                return new AuditedCall("activity." + m.group(2).toLowerCase(Locale.ROOT), ACTIVITY, cut(id(m.group(1))));
            }
            m = RESOLVE.matcher(p);
            if (m.matches()) {
                return new AuditedCall("grant_conflict.resolve", GRANT_CONFLICT, cut(id(m.group(1)) + "/" + decoded(m.group(2))));
            }
        }
        if (method == HandlerType.PUT) {
            Matcher m = TEMPLATE_ID.matcher(p);
            if (m.matches()) {
                return new AuditedCall("template.update", TEMPLATE, cut(id(m.group(1))));
            }
        }
        return null;
    }

    /** This call with the id its answer gave (a create's). */
    AuditedCall withTargetId(String id) {
        return new AuditedCall(action, targetType, id == null ? null : cut(id));
    }

    /**
     * A path id as the route reads it: URL-decoded as Javalin decodes path parameters, and a decimal
     * id in its plain form (the routes parse 012 and 1%32 as 12), so a filter by target finds the call.
     * Anything else is kept as given (its decoding could hold line breaks, and the record is logged).
     */
    private static String id(String raw) {
        String id = decoded(raw);
        if (!id.isEmpty() && id.length() <= 19 && id.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Long.toString(Long.parseLong(id));
            } catch (NumberFormatException e) {
                return raw;
            }
        }
        return raw;
    }

    /** A path segment as Javalin decodes it ('+' stays '+') when that is printable ASCII, else as given. */
    private static String decoded(String raw) {
        try {
            String d = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
            return d.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? d : raw;
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    private static String cut(String id) {
        return id.length() > MAX_TARGET_ID ? id.substring(0, MAX_TARGET_ID) : id;
    }
}
