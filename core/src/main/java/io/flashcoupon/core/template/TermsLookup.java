package io.flashcoupon.core.template;

import java.sql.Connection;
import java.util.Optional;

/** The terms of one version of a template: what every price of a coupon granted with that version uses. */
@FunctionalInterface
public interface TermsLookup {
    /** Template {@code templateId} as it was at {@code version}; empty when there is no such version. */
    Optional<Template> find(long templateId, int version);

    /**
     * The same, read inside the caller's transaction through {@code c} when it must be read at all: a
     * transaction that waits for a second pooled connection deadlocks the pool once as many
     * transactions as connections do so (50 concurrent Saga locks did).
     */
    default Optional<Template> find(Connection c, long templateId, int version) {
        return find(templateId, version);
    }
}
