package io.flashcoupon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.reconcile.GrantConflicts;
import io.flashcoupon.core.template.TemplateRepository;
import java.util.Optional;

/**
 * The state of an audited call's target as the audit trail keeps it, read from MySQL (a sale's row
 * follows Redis after every operation, so its status and total are what grabs obey): an activity or
 * template row, or a grant conflict; JSON as the API answers it. Null when the id is not one this
 * service issues or no such row exists (a create's before, or a call refused for an unknown id).
 */
final class AuditStates {
    private final TemplateRepository templates;
    private final ActivityRepository activities;
    private final GrantConflicts conflicts;
    private final ObjectMapper mapper;

    AuditStates(TemplateRepository templates, ActivityRepository activities, GrantConflicts conflicts,
            ObjectMapper mapper) {
        this.templates = templates;
        this.activities = activities;
        this.conflicts = conflicts;
        this.mapper = mapper;
    }

    String of(String targetType, String targetId) {
        if (targetId == null) {
            return null;
        }
        Optional<?> state = switch (targetType) {
            case AuditedCall.ACTIVITY -> id(targetId).flatMap(activities::find);
            case AuditedCall.TEMPLATE -> id(targetId).flatMap(templates::find);
            case AuditedCall.GRANT_CONFLICT -> conflict(targetId);
            default -> Optional.empty();
        };
        if (state.isEmpty()) {
            return null;
        }
        try {
            return mapper.writeValueAsString(state.get());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an audited state could not be written as JSON", e);
        }
    }

    private Optional<?> conflict(String targetId) {
        int slash = targetId.indexOf('/');
        if (conflicts == null || slash < 0) {
            return Optional.empty();
        }
        String sn = targetId.substring(slash + 1);
        return id(targetId.substring(0, slash)).flatMap(a -> conflicts.byActivity(a).stream()
                .filter(c -> c.couponSn().equals(sn)).findFirst());
    }

    /** A positive decimal id, else empty (the call is refused with 400 and has no state to read). */
    private static Optional<Long> id(String raw) {
        if (raw.isEmpty() || raw.length() > 18 || !raw.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return Optional.empty();
        }
        long id = Long.parseLong(raw);
        return id > 0 ? Optional.of(id) : Optional.empty();
    }
}
