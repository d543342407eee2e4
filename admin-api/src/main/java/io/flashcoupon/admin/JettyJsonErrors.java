package io.flashcoupon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

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

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
            HttpServletResponse response, int code, String message) throws IOException {
        baseRequest.setHandled(true);
        response.setContentType(JSON);
        response.getOutputStream().write(body(code, message));
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
