package io.flashcoupon.core.observe;

import io.flashcoupon.core.Registry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.List;
import org.apache.rocketmq.common.message.Message;

/**
 * Carries the W3C trace context (traceparent, tracestate) of the current span in a RocketMQ
 * message's user properties, so the topology's spans join the grab's trace. With tracing off no
 * span is ever current: {@link #inject} is one thread-local read and adds nothing.
 */
public final class TraceHeaders {
    private static final TextMapSetter<Message> SETTER = (msg, key, value) -> {
        if (msg != null) {
            msg.putUserProperty(key, value);
        }
    };
    private static final TextMapGetter<Message> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Message msg) {
            return List.of(Registry.PROP_TRACEPARENT, Registry.PROP_TRACESTATE);
        }

        @Override
        public String get(Message msg, String key) {
            return msg == null ? null : msg.getUserProperty(key);
        }
    };

    private TraceHeaders() {}

    /** Adds the current span's context to {@code msg} when a sampled or recording span is current. */
    public static void inject(Message msg) {
        Context current = Context.current();
        if (!Span.fromContext(current).getSpanContext().isValid()) {
            return;
        }
        W3CTraceContextPropagator.getInstance().inject(current, msg, SETTER);
    }

    /** True when {@code msg} carries a trace context. */
    public static boolean traced(Message msg) {
        return msg.getUserProperty(Registry.PROP_TRACEPARENT) != null;
    }

    /** The context {@code msg} was sent in (root when it carries none), to parent a consumer's span. */
    public static Context extract(Message msg) {
        if (!traced(msg)) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), msg, GETTER);
    }
}
