package io.flashcoupon.ingress;

import io.flashcoupon.core.InvalidInputException;

/**
 * The page tokens of the list RPCs (GetUserCoupons, ListCouponTemplates): the id of the last row of
 * the previous page, as a decimal string; rows follow with a smaller id. Empty = the first page. A
 * token this service never issues - not a number, zero or negative - is INVALID_ARGUMENT, never read
 * as the first page.
 */
final class PageToken {
    private PageToken() {}

    /** The id the page starts below; 0 for the first page (empty token). */
    static long before(String token) {
        if (token.isEmpty()) {
            return 0;
        }
        long id;
        try {
            id = Long.parseLong(token);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("page_token", "is not a token this service issued");
        }
        if (id <= 0) {
            throw new InvalidInputException("page_token", "is not a token this service issued");
        }
        return id;
    }
}
