package io.flashcoupon.admin;

/** The error codes of the admin API and the HTTP status each one is sent with. */
enum ApiError {
    INVALID_ARGUMENT(400, "invalid_argument"),
    /** No bearer token, or one the configuration does not list. */
    UNAUTHENTICATED(401, "unauthenticated"),
    /** A known token whose role does not allow the route (read token on an operate route). */
    PERMISSION_DENIED(403, "permission_denied"),
    NOT_FOUND(404, "not_found"),
    /** The path exists, the method does not (the reply's Allow header lists those that do). */
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    CONFLICT(409, "conflict"),
    INTERNAL(500, "internal");

    private final int status;
    private final String code;

    ApiError(int status, String code) {
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** The code for a status Javalin produced itself (unknown route, oversized body, ...). */
    static ApiError forStatus(int status) {
        if (status == 401) {
            return UNAUTHENTICATED;
        }
        if (status == 403) {
            return PERMISSION_DENIED;
        }
        if (status == 404) {
            return NOT_FOUND;
        }
        if (status == 405) {
            return METHOD_NOT_ALLOWED;
        }
        if (status == 409) {
            return CONFLICT;
        }
        return status >= 500 ? INTERNAL : INVALID_ARGUMENT;
    }
}
