package io.flashcoupon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * JSON error bodies for the failures Jetty answers before Javalin sees the request (undecodable
 * URI, oversized headers, errors escaping the servlet), so that no reply of the API is HTML.
 * 5xx messages are replaced by a generic text.
 */
final class JettyJsonErrors extends ErrorHandler {
    private static final String JSON = "application/json;charset=utf-8";

    private final ObjectMapper mapper;

    JettyJsonErrors(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    /** JSON whatever the client accepts (Jetty offers each acceptable type in turn; the first is answered). */
    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
            String contentType, List<Charset> charsets, int code, String message, Throwable cause) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    private byte[] body(int status, String message) {
        ApiError error = ApiError.forStatus(status);
        String text = error == ApiError.INTERNAL || message == null || message.isBlank()
                ? (error == ApiError.INTERNAL ? "internal error" : HttpStatus.getMessage(status))
                : message;
        try {
            return mapper.writeValueAsBytes(ErrorBody.of(error, text));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
