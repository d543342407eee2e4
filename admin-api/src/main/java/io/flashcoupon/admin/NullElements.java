package io.flashcoupon.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Finds a null inside an array of a request body, at any depth. No list of the API holds nulls
 * ({@code "excluded_category_ids": [null]} once reached the rules as a null id and failed there with
 * a 500); a null member of an object stays allowed, as the OpenAPI document declares it: the same
 * as the member being absent, which each request's rules then judge.
 */
final class NullElements {
    private NullElements() {}

    /** The snake_case path of the first null array element, such as {@code items[2]}; null when none. */
    static String first(JsonNode node) {
        return first(node, "");
    }

    private static String first(JsonNode node, String path) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String at = path + "[" + i + "]";
                if (node.get(i).isNull()) {
                    return at;
                }
                String inner = first(node.get(i), at);
                if (inner != null) {
                    return inner;
                }
            }
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String inner = first(f.getValue(), path.isEmpty() ? f.getKey() : path + "." + f.getKey());
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }
}
