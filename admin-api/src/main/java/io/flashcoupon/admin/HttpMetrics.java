package io.flashcoupon.admin;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

/**
 * http_server_requests_seconds: every HTTP request this server answered, by method, route and
 * status, as a histogram. The route is the template the request matched ({@code /api/v1/activities/{id}}),
 * never the raw path, so an id or a scanner's random paths add no series: a request that matched no
 * route is {@code unmatched}, a static asset {@code static}.
 */
final class HttpMetrics {
    static final String NAME = "http.server.requests";
    /** Buckets from a cached read (a few ms) to a reconciliation of a large sale (seconds). */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    /** Every endpoint's method and template, for requests refused before their handler ran (401, 403). */
    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** One endpoint: its method, its template and the template as a pattern of paths. */
    private record Route(String method, String template, Pattern pattern) {
        static Route of(String method, String template) {
            StringBuilder regex = new StringBuilder();
            for (String part : template.split("(?=[{<*])|(?<=[}>*])")) {
                if (part.startsWith("{") && part.endsWith("}")) {
                    regex.append("[^/]+");
                } else if (part.startsWith("<") && part.endsWith(">") || "*".equals(part)) {
                    regex.append(".*");
                } else {
                    regex.append(Pattern.quote(part));
                }
            }
            return new Route(method, template, Pattern.compile(regex + "/?"));
        }
    }

    private HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Records every request of the Javalin app {@code config} builds on {@code registry}; every route
     * added has its status-200 series from the start (so a scrape lists every route, and rate() works
     * from the first request), other statuses appear with their first request.
     */
    static void install(JavalinConfig config, MeterRegistry registry) {
        HttpMetrics metrics = new HttpMetrics(registry);
        config.requestLogger.http(metrics::record);
        config.events.handlerAdded(h -> {
            if (h.getHttpMethod().isHttpMethod() && !h.getHttpMethod().equals(HandlerType.HEAD)
                    && !h.getHttpMethod().equals(HandlerType.OPTIONS)) {
                metrics.routes.add(Route.of(h.getHttpMethod().name(), h.getPath()));
                metrics.timer(h.getHttpMethod().name(), h.getPath(), 200);
            }
        });
    }

    private void record(Context ctx, Float executionMs) {
        timer(ctx.method().name(), route(ctx), ctx.statusCode())
                .record((long) (executionMs * 1_000_000L), TimeUnit.NANOSECONDS);
    }

    private Timer timer(String method, String route, int status) {
        return Timer.builder(NAME).description("HTTP requests answered, by method, route template and status")
                .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    /**
     * The route template the request matched - also when a before-handler refused it (its endpoint
     * never ran); "static" for assets, "unmatched" when no route matches.
     */
    String route(Context ctx) {
        Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
        String path = endpoint == null ? "" : endpoint.path;
        if (path == null || path.isEmpty() || "*".equals(path)) {
            String method = ctx.method().name();
            for (Route r : routes) {
                if (r.method().equals(method) && r.pattern().matcher(ctx.path()).matches()) {
                    return r.template();
                }
            }
            String raw = ctx.path().toLowerCase(Locale.ROOT);
            return raw.startsWith("/ui/") || raw.startsWith("/webjars/") ? "static" : "unmatched";
        }
        return path;
    }
}
