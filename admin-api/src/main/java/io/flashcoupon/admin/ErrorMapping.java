package io.flashcoupon.admin;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into a JSON {@link ErrorBody}: business refusals of core keep their message,
 * Javalin's own responses (unknown route, wrong method, oversized body) keep their status, and
 * anything else is logged and answered 500 with a generic message so no internals leak.
 */
final class ErrorMapping {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

    private ErrorMapping() {}

    static void install(RoutesConfig routes) {
        routes.exception(InvalidInputException.class, (e, ctx) ->
                reply(ctx, ApiError.INVALID_ARGUMENT, e.getMessage(), e.errors()));
        routes.exception(NotFoundException.class, (e, ctx) -> reply(ctx, ApiError.NOT_FOUND, e.getMessage()));
        routes.exception(ConflictException.class, (e, ctx) -> reply(ctx, ApiError.CONFLICT, e.getMessage()));
        routes.exception(AdminAuth.AccessDeniedException.class, (e, ctx) -> {
            if (e.error() == ApiError.UNAUTHENTICATED) {
                ctx.header("WWW-Authenticate", "Bearer realm=\"coupon-admin\"");
            }
            reply(ctx, e.error(), e.getMessage());
        });
        routes.exception(UndeclaredMethods.MethodNotAllowedException.class, (e, ctx) -> {
            ctx.header("Allow", e.allow());
            reply(ctx, ApiError.METHOD_NOT_ALLOWED, e.getMessage());
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            ApiError error = ApiError.forStatus(e.getStatus());
            String message = error == ApiError.INTERNAL ? "internal error" : e.getMessage();
            ctx.status(e.getStatus()).json(ErrorBody.of(error, message));
        });
        routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            reply(ctx, ApiError.INTERNAL, "internal error");
        });
    }

    static void reply(Context ctx, ApiError error, String message) {
        ctx.status(error.status()).json(ErrorBody.of(error, message));
    }

    static void reply(Context ctx, ApiError error, String message, List<FieldError> fields) {
        ctx.status(error.status()).json(new ErrorBody(error.code(), message, fields));
    }
}
