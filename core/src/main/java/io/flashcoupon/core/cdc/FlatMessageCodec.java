package io.flashcoupon.core.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/** Canal flat-message JSON (UTF-8) to {@link FlatMessage} and back; unknown fields (e.g. gtid) are ignored. */
public final class FlatMessageCodec {
    private final ObjectMapper mapper = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public byte[] encode(FlatMessage message) {
        try {
            return mapper.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode flat message of " + message.table(), e);
        }
    }

    /** The message in {@code body}; throws IllegalArgumentException naming the problem when it is not a flat message. */
    public FlatMessage decode(byte[] body) {
        FlatMessage m;
        try {
            m = mapper.readValue(body, FlatMessage.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a Canal flat message: " + e.getMessage() + " in "
                    + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8), e);
        }
        if (m == null || m.table() == null || m.type() == null) {
            throw new IllegalArgumentException("not a Canal flat message (no table or type): "
                    + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8));
        }
        return m;
    }
}
