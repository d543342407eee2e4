package io.flashcoupon.core.cache;

/**
 * The shared second level of a {@link TieredCache}: string values under string keys with a TTL.
 * Implementations throw on infrastructure errors; the cache then reads the level below.
 */
public interface L2Store {
    /** The value under {@code key}, or null when there is none. */
    String get(String key);

    /** Stores {@code value} under {@code key} for {@code ttlMs} (a plain SET with expiry: never read-modify-write). */
    void set(String key, String value, long ttlMs);

    /** Removes {@code key}; removing an absent key is not an error. */
    void delete(String key);
}
