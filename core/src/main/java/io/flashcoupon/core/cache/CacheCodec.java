package io.flashcoupon.core.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * JSON of a cached record in L2. An entry that no longer decodes (e.g. written by an older
 * version of the record) reads as absent, so the cache falls through to MySQL and overwrites it.
 */
public final class CacheCodec<V> {
    private final ObjectMapper mapper;
    private final Class<V> type;

    public CacheCodec(Class<V> type) {
        this.type = type;
        this.mapper = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public String encode(V value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + type.getSimpleName() + " for the L2 cache", e);
        }
    }

    /** The decoded value, or null when {@code json} does not decode. */
    public V decode(String json) {
        try {
            return mapper.readValue(json, type);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
