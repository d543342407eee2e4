package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashcoupon.core.config.ServiceConfig;
import io.javalin.http.HandlerType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * openapi.json and the routes the API registers stay in step, both ways: a route added without its
 * description (or described but gone) fails here, whichever module adds it to AdminApi. Each
 * operation's x-required-role must be what {@link AdminAuth} enforces.
 */
class OpenApiSpecTest {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    private final JsonNode spec = read();

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(UiRoutes.text(UiRoutes.SPEC));
        } catch (Exception e) {
            throw new AssertionError("openapi.json is not JSON", e);
        }
    }

    /** The API as the service builds it; nothing is called while routes register, so no stores are needed. */
    private static AdminApi api() {
        return new AdminApi(null, null, null, null, null, null, null, () -> true, Clock.systemUTC(),
                AdminAuth.of(new ServiceConfig.Admin(List.of(), List.of("spec-test-token-0123456789"), false),
                        io.flashcoupon.core.saga.BranchCredential.of("spec-test-branch-token-0123456789")),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new CachedReads(id -> Optional.empty(), id -> Optional.empty(), id -> { }, id -> { }))
                .dtmBranches(null).orderCoupons(null).grantConflicts(null, Clock.systemUTC())
                .auditTrail(null, null, null, null, null, Clock.systemUTC());
    }

    private Set<String> described() {
        Set<String> out = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = spec.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            });
        }
        return out;
    }

    @Test
    void every_registered_route_is_described_and_every_described_route_exists() {
        Set<String> registered = api().routes();
        Set<String> described = described();
        Set<String> undocumented = new TreeSet<>(registered);
        undocumented.removeAll(described);
        Set<String> stale = new TreeSet<>(described);
        stale.removeAll(registered);
        assertThat(undocumented).as("routes registered but missing from openapi.json").isEmpty();
        assertThat(stale).as("routes in openapi.json that the API does not register").isEmpty();
        assertThat(registered).as("sanity: the comparison saw the API").contains("POST /api/v1/activities/{id}/start",
                "GET /api/v1/activities/{id}/live", "GET /dashboard", "GET /openapi.json");
    }

    @Test
    void each_operation_states_the_role_the_api_enforces() {
        Set<String> wrong = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = spec.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            String concrete = path.getKey().replaceAll("\\{[^}]+}", "1");
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                AdminAuth.Role enforced = AdminAuth.required(HandlerType.findOrCreate(op.getKey().toUpperCase(Locale.ROOT)), concrete);
                String expected = enforced == null ? "none" : enforced.name().toLowerCase(Locale.ROOT);
                String stated = op.getValue().path("x-required-role").asText();
                boolean open = op.getValue().has("security") && op.getValue().get("security").isEmpty();
                if (!expected.equals(stated) || open != (enforced == null)) {
                    wrong.add(op.getKey() + " " + path.getKey() + ": spec says " + stated + " (security open: " + open
                            + "), the API enforces " + expected);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void every_instant_of_a_request_states_the_shape_the_server_reads() {
        String shape = "^" + StrictInstantDeserializer.SHAPE.pattern() + "$";
        JsonNode schemas = spec.path("components").path("schemas");
        for (String field : List.of("TemplateRequest.valid_start", "TemplateRequest.valid_end",
                "ActivityRequest.start_time", "ActivityRequest.end_time")) {
            String[] at = field.split("\\.");
            assertThat(schemas.path(at[0]).path("properties").path(at[1]).path("pattern").asText()).as(field)
                    .isEqualTo(shape);
        }
    }

    @Test
    void every_request_body_refuses_unknown_fields_as_the_server_does() {
        for (String schema : List.of("TemplateRequest", "TemplateStacking", "ActivityRequest", "RestockRequest",
                "ResolveRequest", "OrderRequest", "CalculateRequest", "OrderItem")) {
            assertThat(spec.path("components").path("schemas").path(schema).path("additionalProperties").asBoolean(true))
                    .as(schema).isFalse();
        }
    }

    @Test
    void the_page_token_pattern_is_the_one_the_server_reads() {
        assertThat(spec.path("components").path("parameters").path("PageToken").path("schema").path("pattern").asText())
                .isEqualTo("^(" + PageRequest.TOKEN.pattern() + ")?$");
    }

    @Test
    void every_schema_reference_resolves() {
        Set<String> missing = new TreeSet<>();
        collectRefs(spec, missing);
        assertThat(missing).isEmpty();
    }

    private void collectRefs(JsonNode node, Set<String> missing) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                String[] parts = ref.asText().replaceFirst("^#/", "").split("/");
                JsonNode target = spec;
                for (String p : parts) {
                    target = target.path(p);
                }
                if (target.isMissingNode()) {
                    missing.add(ref.asText());
                }
            }
            node.elements().forEachRemaining(child -> collectRefs(child, missing));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> collectRefs(child, missing));
        }
    }
}
