package io.flashcoupon.launcher;

import io.flashcoupon.core.config.ServiceConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The process's OpenTelemetry: the no-op instance while tracing.otlp-endpoint is empty (nothing is
 * recorded, no interceptor is installed), else an SDK exporting spans in batches by OTLP/gRPC,
 * sampling tracing.sample-ratio of new traces and following the caller's decision otherwise.
 */
final class Tracing {
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> SERVICE_INSTANCE = AttributeKey.stringKey("service.instance.id");

    private Tracing() {}

    /** The SDK for {@code config}, or null when tracing is off (use {@link OpenTelemetry#noop()}). */
    static OpenTelemetrySdk fromConfig(ServiceConfig.Tracing config, String serviceName, String instance) {
        if (!config.enabled()) {
            return null;
        }
        OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint(config.otlpEndpoint()).build();
        SdkTracerProvider tracer = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(SERVICE_NAME, serviceName, SERVICE_INSTANCE, instance))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        return OpenTelemetrySdk.builder()
                .setTracerProvider(tracer)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }
}
