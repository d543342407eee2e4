package io.flashcoupon.ingress;

import io.flashcoupon.proto.v1.FlashSaleRequest;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A SERVER span per gRPC call (named by the full method, e.g. coupon.v1.Coupon/FlashSaleCoupon),
 * child of the caller's W3C traceparent header when it sends one, current while the service code
 * runs, ended with the call's status. Installed only when tracing is on; the grab executor is then
 * wrapped so the span stays current on the grab thread and its context reaches the CouponGrabbed
 * message (see TraceHeaders).
 */
public final class TracingInterceptor implements ServerInterceptor {
    private static final TextMapGetter<Metadata> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
            return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
            return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
    };

    private final Tracer tracer;

    public TracingInterceptor(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
        Span span = tracer.spanBuilder(call.getMethodDescriptor().getFullMethodName())
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("rpc.system", "grpc")
                .setAttribute("rpc.method", call.getMethodDescriptor().getBareMethodName())
                .startSpan();
        Context context = parent.with(span);
        AtomicBoolean ended = new AtomicBoolean();
        ServerCall<Q, R> traced = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                span.setAttribute("rpc.grpc.status_code", status.getCode().value());
                if (!status.isOk()) {
                    span.setStatus(StatusCode.ERROR, status.getCode() + ": " + status.getDescription());
                }
                try {
                    super.close(status, trailers);
                } finally {
                    if (ended.compareAndSet(false, true)) {
                        span.end();
                    }
                }
            }
        };
        ServerCall.Listener<Q> delegate;
        try (Scope ignored = context.makeCurrent()) {
            delegate = next.startCall(traced, headers);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                if (message instanceof FlashSaleRequest r) {
                    span.setAttribute("coupon.activity_id", r.getActivityId());
                    span.setAttribute("coupon.user_id", r.getUserId());
                }
                try (Scope ignored = context.makeCurrent()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onCancel();
                } finally {
                    if (ended.compareAndSet(false, true)) {
                        span.setStatus(StatusCode.ERROR, "cancelled by the client");
                        span.end();
                    }
                }
            }

            @Override
            public void onComplete() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onComplete();
                }
            }

            @Override
            public void onReady() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onReady();
                }
            }
        };
    }
}
