package io.flashcoupon.admin;

import io.flashcoupon.core.InvalidInputException;

/** Parsing of path and query parameters; a bad value is a 400 naming the parameter. */
final class Params {
    private Params() {}

    /** A path id: a positive decimal integer. */
    static long positiveId(String name, String raw) {
        long id = parseLong(name, raw);
        if (id <= 0) {
            throw new InvalidInputException(name, "must be a positive integer");
        }
        return id;
    }

    /** An optional enum filter given by its exact name; null when absent (empty is refused, as any other non-name). */
    static <E extends Enum<E>> E optionalEnum(String name, String raw, Class<E> type) {
        if (raw == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, raw);
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                if (allowed.length() > 0) {
                    allowed.append(", ");
                }
                allowed.append(c.name());
            }
            throw new InvalidInputException(name, "must be one of " + allowed);
        }
    }

    static long parseLong(String name, String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > 19) {
            throw new InvalidInputException(name, "must be a positive integer");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                throw new InvalidInputException(name, "must be a positive integer");
            }
        }
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name, "must be a positive integer");
        }
    }
}
