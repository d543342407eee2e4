package io.flashcoupon.core.sale;

import java.util.List;

/** Shape checks of Lua script replies: a reply that does not fit is a protocol error, never an outcome. */
final class ScriptReplies {
    private ScriptReplies() {}

    /** {@code reply} as a list of {@code size} integers; IllegalStateException otherwise. */
    static List<?> integers(Object reply, int size, String script) {
        if (!(reply instanceof List<?> list) || list.size() != size) {
            throw new IllegalStateException(script + " script reply must be a " + size + "-element array, was " + reply);
        }
        for (Object o : list) {
            if (!(o instanceof Long)) {
                throw new IllegalStateException(script + " script reply element must be an integer, was " + o);
            }
        }
        return list;
    }
}
