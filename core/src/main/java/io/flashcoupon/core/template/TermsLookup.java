package io.flashcoupon.core.template;

import java.util.Optional;

/** The terms of one version of a template: what every price of a coupon granted with that version uses. */
@FunctionalInterface
public interface TermsLookup {
    /** Template {@code templateId} as it was at {@code version}; empty when there is no such version. */
    Optional<Template> find(long templateId, int version);
}
