package io.flashcoupon.admin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.flashcoupon.core.InvalidInputException;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The wire format of the admin API and the reading of request bodies.
 *
 * <p>Rules: snake_case names, Instants as ISO-8601 strings, enums by name (numbers refused, so a
 * type code can never be read as an ordinal), integers only where the field is an integer (money is
 * integer cents: 12.5 or 12.0 is refused, so is "12"), strings only where the field is a string (false or 5 is refused), Instants only as strings, unknown and duplicate fields refused, no null inside an array
 * ({@link NullElements}); a null member is the member absent. Every
 * refusal becomes an {@link InvalidInputException} naming the offending field ({@code body} when
 * the JSON is not even an object).
 */
final class ApiJson {
    /** The field name used when an error cannot be pinned on one field. */
    static final String BODY = "body";

    private final ObjectMapper mapper;

    ApiJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A new mapper configured with the rules above. */
    static ObjectMapper newMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(new SimpleModule("strict-instant").addDeserializer(Instant.class, new StrictInstantDeserializer()))
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // ALLOW_COERCION_OF_SCALARS does not stop a string field taking a number or a boolean
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** Reads a request body; InvalidInputException naming the field when it does not fit {@code type}. */
    <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw new InvalidInputException(BODY, "must be a JSON object");
        }
        try {
            T value = mapper.readValue(body, type);
            if (value == null) {
                throw new InvalidInputException(BODY, "must be a JSON object");
            }
            String nullElement = NullElements.first(mapper.readTree(body));
            if (nullElement != null) {
                throw new InvalidInputException(nullElement, "must not be null");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw toInvalidInput(e);
        }
    }

    /** Translates a Jackson failure into a client error naming the field; never echoes Jackson's text. */
    static InvalidInputException toInvalidInput(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String path = parentPath(u);
            String field = path.isEmpty() ? u.getPropertyName() : path + "." + u.getPropertyName();
            return new InvalidInputException(field, "is not a known field");
        }
        if (e instanceof JsonMappingException m) {
            String field = path(m);
            if (field.isEmpty()) {
                return new InvalidInputException(BODY, "must be a JSON object");
            }
            Class<?> target = m instanceof MismatchedInputException mi ? mi.getTargetType() : null;
            return new InvalidInputException(field, expectation(field, target));
        }
        if (e instanceof InputCoercionException) {
            return new InvalidInputException(currentName(e), "is out of range");
        }
        if (e instanceof StreamReadException s && s.getMessage() != null
                && s.getMessage().startsWith("Duplicate field")) {
            return new InvalidInputException(currentName(e), "must appear only once");
        }
        return new InvalidInputException(currentName(e), "is not valid JSON");
    }

    private static String expectation(String field, Class<?> target) {
        if (target == null) {
            return "has an invalid value";
        }
        if (target == Long.class || target == long.class || target == Integer.class || target == int.class) {
            return field.endsWith("_cents") ? "must be an integer number of cents" : "must be an integer";
        }
        if (target.isEnum()) {
            return "must be one of " + Arrays.toString(target.getEnumConstants()).replaceAll("[\\[\\]]", "");
        }
        if (target == Instant.class) {
            return "must be an ISO-8601 instant such as 2030-01-31T16:00:00Z";
        }
        if (target == String.class) {
            return "must be a string";
        }
        if (Collection.class.isAssignableFrom(target)) {
            return "must be an array of integers";
        }
        return "has an invalid value";
    }

    /** snake_case path such as {@code applicable_goods_ids[2]}; empty when the root itself is wrong. */
    private static String path(JsonMappingException e) {
        return render(e.getPath());
    }

    private static String parentPath(UnrecognizedPropertyException e) {
        List<JsonMappingException.Reference> refs = e.getPath();
        return render(refs.isEmpty() ? refs : refs.subList(0, refs.size() - 1));
    }

    private static String render(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** The field the parser was in when the text broke, else {@link #BODY}. */
    private static String currentName(JsonProcessingException e) {
        if (e.getProcessor() instanceof JsonParser p) {
            try {
                String name = p.currentName();
                if (name != null) {
                    return name;
                }
            } catch (IOException | RuntimeException ignored) {
                // fall through: no usable location
            }
        }
        return BODY;
    }
}
