package io.flashcoupon.core.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads srv.yaml: the defaults shipped on the class path, then an optional file, then environment
 * variables. Every leaf {@code a.b-c} can be overridden by {@code COUPON_A_B_C}; lists take a
 * comma-separated value. Unknown keys and invalid values are rejected with a message naming the key;
 * a COUPON_* variable that names no key is logged as a warning by name (with the nearest key's).
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    public static final String DEFAULTS_RESOURCE = "srv.yaml";
    private static final String ENV_PREFIX = "COUPON_";

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** Loads defaults, overlays {@code file} when not null, then {@code env}; validates. */
    public ServiceConfig load(Path file, Map<String, String> env) {
        ObjectNode tree = readDefaults();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("config file " + file + " does not exist");
            }
            try {
                merge(tree, yaml.readTree(file.toFile()), "");
            } catch (IOException e) {
                throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage());
            }
        }
        applyEnv(tree, "", env);
        List<String> known = new ArrayList<>();
        envNames(tree, "", known);
        for (String unknown : unknownVariables(known, env)) {
            log.warn("configuration: environment variable {} is ignored: it names no configuration key{}", unknown,
                    closest(unknown, known).map(k -> " (did you mean " + k + "?)").orElse(""));
        }
        ServiceConfig config;
        try {
            config = yaml.treeToValue(tree, ServiceConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("unknown configuration key '" + path(e) + "'");
        } catch (IOException e) {
            throw new ConfigException("invalid configuration: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        ConfigValidator.validate(config);
        return config;
    }

    private ObjectNode readDefaults() {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new ConfigException("default " + DEFAULTS_RESOURCE + " missing from the class path");
            }
            return (ObjectNode) yaml.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void merge(ObjectNode target, JsonNode overlay, String prefix) {
        if (overlay == null || overlay.isNull() || overlay.isMissingNode()) {
            return;
        }
        if (!overlay.isObject()) {
            throw new ConfigException("configuration section '" + prefix + "' must be a mapping");
        }
        overlay.fields().forEachRemaining(e -> {
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode obj && e.getValue().isObject()) {
                merge(obj, e.getValue(), prefix + e.getKey() + ".");
            } else {
                target.set(e.getKey(), e.getValue());
            }
        });
    }

    private static void applyEnv(ObjectNode node, String prefix, Map<String, String> env) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode child = node.get(name);
            String path = prefix + name;
            if (child instanceof ObjectNode obj) {
                applyEnv(obj, path + ".", env);
                continue;
            }
            String value = env.get(envName(path));
            if (value == null) {
                continue;
            }
            if (child instanceof ArrayNode) {
                ArrayNode list = JsonNodeFactory.instance.arrayNode();
                for (String item : value.split(",")) {
                    if (!item.isBlank()) {
                        list.add(item.trim());
                    }
                }
                node.set(name, list);
            } else {
                node.put(name, value);
            }
        }
    }

    /** The override variable of every leaf of {@code node}, e.g. COUPON_SERVER_GRPC_PORT. */
    private static void envNames(JsonNode node, String prefix, List<String> into) {
        node.fieldNames().forEachRemaining(name -> {
            JsonNode child = node.get(name);
            if (child instanceof ObjectNode) {
                envNames(child, prefix + name + ".", into);
            } else {
                into.add(envName(prefix + name));
            }
        });
    }

    /**
     * The COUPON_* variables of {@code env} that override no key: a misspelt override would otherwise
     * be silently ignored and the default used. Sorted.
     */
    static List<String> unknownVariables(Collection<String> known, Map<String, String> env) {
        Set<String> knownSet = new HashSet<>(known);
        return env.keySet().stream().filter(n -> n.startsWith(ENV_PREFIX) && !knownSet.contains(n)).sorted().toList();
    }

    /** The known variable nearest to {@code name} (at most three edits away), for a "did you mean". */
    static Optional<String> closest(String name, Collection<String> known) {
        String best = null;
        int bestDistance = 4;
        for (String k : known) {
            int d = distance(name, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The environment variable that overrides a dotted key, e.g. server.grpc-port -> COUPON_SERVER_GRPC_PORT. */
    public static String envName(String dottedKey) {
        return ENV_PREFIX + dottedKey.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    private static String path(UnrecognizedPropertyException e) {
        StringBuilder sb = new StringBuilder();
        e.getPath().forEach(ref -> {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        });
        return sb.toString();
    }
}
