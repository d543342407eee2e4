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
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads srv.yaml: the defaults shipped on the class path, then an optional file, then environment
 * variables. Every leaf {@code a.b-c} can be overridden by {@code COUPON_A_B_C}; lists take a
 * comma-separated value. Unknown keys and invalid values are rejected with a message naming the key.
 */
public final class ConfigLoader {
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
