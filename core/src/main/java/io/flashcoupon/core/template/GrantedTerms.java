package io.flashcoupon.core.template;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.LongFunction;

/**
 * The terms coupons are granted with and priced by, in this process's memory. Both facts it holds
 * never change once written, so it needs no invalidation: a template version's terms
 * ({@link TemplateVersions}, immutable) and the version a started sale sells (pinned at its start,
 * never re-pinned). Only what exists is kept: an unknown version, or a sale not pinned yet, is asked
 * again next time. Bounded by {@code maxEntries} each (least recently used out).
 */
public final class GrantedTerms implements TermsLookup {
    private record Key(long templateId, int version) {}

    private final TermsLookup store;
    private final LongFunction<OptionalInt> salePins;
    private final Cache<Key, Template> versions;
    private final Cache<Long, Integer> sales;

    /** {@code store}: versions from MySQL; {@code salePins}: an activity's pinned version from MySQL. */
    public GrantedTerms(TermsLookup store, LongFunction<OptionalInt> salePins, int maxEntries) {
        this.store = store;
        this.salePins = salePins;
        this.versions = Caffeine.newBuilder().maximumSize(maxEntries).build();
        this.sales = Caffeine.newBuilder().maximumSize(maxEntries).build();
    }

    @Override
    public Optional<Template> find(long templateId, int version) {
        Key key = new Key(templateId, version);
        Template t = versions.getIfPresent(key);
        if (t != null) {
            return Optional.of(t);
        }
        Optional<Template> loaded = store.find(templateId, version);
        loaded.ifPresent(v -> versions.put(key, v));
        return loaded;
    }

    @Override
    public Optional<Template> find(java.sql.Connection c, long templateId, int version) {
        Key key = new Key(templateId, version);
        Template t = versions.getIfPresent(key);
        if (t != null) {
            return Optional.of(t);
        }
        Optional<Template> loaded = store.find(c, templateId, version);
        loaded.ifPresent(v -> versions.put(key, v));
        return loaded;
    }

    /** The template version the sale of {@code activityId} sells; empty while it is not started (or unknown). */
    public OptionalInt saleVersion(long activityId) {
        Integer v = sales.getIfPresent(activityId);
        if (v != null) {
            return OptionalInt.of(v);
        }
        OptionalInt loaded = salePins.apply(activityId);
        loaded.ifPresent(p -> sales.put(activityId, p));
        return loaded;
    }
}
