package io.flashcoupon.admin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Reads an Instant only from an ISO-8601 string with an offset ({@code 2030-01-31T16:00:00Z},
 * {@code 2030-02-01T00:00:00+08:00}). The jsr310 default also takes JSON numbers as epoch seconds,
 * which would let a client's epoch millis land thousands of years away; a number is refused here.
 * The text must match {@link #SHAPE}, the pattern openapi.json gives every instant of a request:
 * years 1970 to 9998 (any offset keeps it inside MySQL's DATETIME range, 1000 to 9999), offsets up
 * to 18:00 (Java's limit; RFC 3339 allows 23:59), no leap second, at most 9 fraction digits.
 */
final class StrictInstantDeserializer extends StdScalarDeserializer<Instant> {
    private static final long serialVersionUID = 1L;
    static final Pattern SHAPE = Pattern.compile("(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
            + "-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?"
            + "(Z|[+-](0[0-9]|1[0-7]):[0-5][0-9]|[+-]18:00)");

    StrictInstantDeserializer() {
        super(Instant.class);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (!p.hasToken(JsonToken.VALUE_STRING)) {
            return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
        }
        String text = p.getText();
        if (!SHAPE.matcher(text).matches()) {
            return (Instant) ctxt.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text, Instant::from);
        } catch (DateTimeParseException e) {
            return (Instant) ctxt.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
        }
    }
}
