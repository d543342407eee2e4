package io.flashcoupon.admin;

import io.flashcoupon.core.InvalidInputException;
import java.util.List;
import java.util.regex.Pattern;
import java.util.function.ToLongFunction;

/**
 * Keyset paging shared by every list route: {@code page_size} (1..MAX, default DEFAULT) and
 * {@code page_token}, the id of the last item of the previous page as a string (empty = first page):
 * 1 to 18 digits without a leading zero, exactly the pattern openapi.json states. An empty page_size
 * is refused (it is not an integer); absent means the default.
 * Lists are newest first, so the next page holds ids below the token.
 *
 * @param beforeId 0 for the first page
 */
record PageRequest(int pageSize, long beforeId) {
    static final int DEFAULT_SIZE = 50;
    static final int MAX_SIZE = 200;
    static final String PAGE_SIZE = "page_size";
    static final String PAGE_TOKEN = "page_token";
    /** A token as this class writes it: an id, never above 18 digits (ids come from AUTO_INCREMENT). */
    static final Pattern TOKEN = Pattern.compile("[1-9][0-9]{0,17}");

    static PageRequest parse(String pageSize, String pageToken) {
        int size = DEFAULT_SIZE;
        if (pageSize != null) {
            long parsed = Params.parseLong(PAGE_SIZE, pageSize);
            if (parsed < 1 || parsed > MAX_SIZE) {
                throw new InvalidInputException(PAGE_SIZE, "must be between 1 and " + MAX_SIZE);
            }
            size = (int) parsed;
        }
        long before = 0;
        if (pageToken != null && !pageToken.isEmpty()) {
            if (!TOKEN.matcher(pageToken).matches()) {
                throw new InvalidInputException(PAGE_TOKEN, "must be the next_page_token of a previous page (1 to 18 digits)");
            }
            before = Long.parseLong(pageToken);
        }
        return new PageRequest(size, before);
    }

    /** How many rows to fetch: one more than a page, to learn whether another page exists. */
    int fetchLimit() {
        return pageSize + 1;
    }

    /** The first page-size rows of {@code fetched} and the token of the page after them. */
    <T> Page<T> page(List<T> fetched, ToLongFunction<T> id) {
        if (fetched.size() <= pageSize) {
            return new Page<>(fetched, "");
        }
        List<T> items = fetched.subList(0, pageSize);
        return new Page<>(List.copyOf(items), Long.toString(id.applyAsLong(items.get(pageSize - 1))));
    }

    /** One page of items; nextPageToken is empty on the last page. */
    record Page<T>(List<T> items, String nextPageToken) {}
}
