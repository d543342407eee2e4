package io.flashcoupon.bench.mqclients;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/** Just enough JSON writing and reading for flat results (the probe has no JSON library on purpose). */
final class Json {
    private Json() {}

    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?> m) {
            return obj(m);
        }
        if (v instanceof Collection<?> c) {
            StringBuilder b = new StringBuilder("[");
            Iterator<?> it = c.iterator();
            while (it.hasNext()) {
                b.append(value(it.next()));
                if (it.hasNext()) {
                    b.append(", ");
                }
            }
            return b.append(']').toString();
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return str(v.toString());
    }

    static String obj(Map<?, ?> m) {
        StringBuilder b = new StringBuilder("{");
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<?, ?> e = it.next();
            b.append(str(e.getKey().toString())).append(": ").append(value(e.getValue()));
            if (it.hasNext()) {
                b.append(", ");
            }
        }
        return b.append('}').toString();
    }

    /** The number after {@code "key":} in a flat JSON object, or NaN. */
    static double number(String json, String key) {
        int i = json.indexOf(str(key) + ":");
        if (i < 0) {
            return Double.NaN;
        }
        int s = i + key.length() + 3;
        while (s < json.length() && json.charAt(s) == ' ') {
            s++;
        }
        int e = s;
        while (e < json.length() && "0123456789.-+eE".indexOf(json.charAt(e)) >= 0) {
            e++;
        }
        return e == s ? Double.NaN : Double.parseDouble(json.substring(s, e));
    }
}
