package io.flashcoupon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flashcoupon.core.Registry;
import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * compose/docker-compose.yml as Docker Compose resolves it (`docker compose config`, or the v1
 * `docker-compose config` that scripts/compose-tool installs; no Docker engine is needed): the file
 * is valid, every coupon process's COUPON_* variable is a key ConfigLoader reads and its resolved
 * configuration passes ConfigValidator, ports and stop grace match that configuration, Prometheus
 * scrapes every coupon process, Grafana's dashboard queries the key meters, and the infrastructure
 * is configured as the service needs it.
 */
class ComposeFileTest {
    private static final Path COMPOSE = Path.of("..", "compose").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static JsonNode resolved;

    @BeforeAll
    static void resolve() throws Exception {
        List<String> tool = composeTool();
        List<String> cmd = new ArrayList<>(tool);
        cmd.addAll(List.of("-f", COMPOSE.resolve("docker-compose.yml").toString(), "config"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("%s finished", cmd).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), err).isZero();
        resolved = YAML.readTree(out);
    }

    /** `docker compose` (v2 plugin) when it answers, else `docker-compose` (v1). */
    private static List<String> composeTool() throws Exception {
        for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
            List<String> version = new ArrayList<>(candidate);
            version.add("version");
            try {
                Process p = new ProcessBuilder(version).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(1, TimeUnit.MINUTES) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException notInstalled) {
                // try the next
            }
        }
        throw new AssertionError("neither `docker compose` nor `docker-compose` is installed: run scripts/compose-tool"
                + " (scripts/test does)");
    }

    @Test
    void the_stack_has_every_part_with_images_pinned_by_version() {
        Set<String> names = new TreeSet<>();
        resolved.path("services").fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("mysql", "redis", "rmq-namesrv", "rmq-broker", "rmq-proxy", "canal-server", "dtm",
                "prometheus", "grafana", "coupon-admin", "coupon-topology", "coupon-ingress-1", "coupon-ingress-2");
        services().forEach((name, s) -> {
            String image = s.path("image").asText();
            assertThat(image).as("image of %s", name).matches("[^:]+:[^:]+").doesNotEndWith(":latest");
        });
    }

    @Test
    void every_coupon_process_is_configured_by_keys_the_loader_reads_and_passes_validation() {
        Set<String> known = knownEnvNames();
        Map<String, JsonNode> apps = appServices();
        assertThat(apps).hasSize(4);
        Map<String, List<String>> rolesByService = new HashMap<>();
        Set<Integer> nodeIds = new HashSet<>();
        apps.forEach((name, s) -> {
            Map<String, String> env = env(s);
            List<String> unknown = env.keySet().stream().filter(k -> k.startsWith("COUPON_") && !known.contains(k))
                    .sorted().toList();
            assertThat(unknown).as("COUPON_* variables of %s that no srv.yaml key reads", name).isEmpty();
            ServiceConfig config = new ConfigLoader().load(null, env);
            rolesByService.put(name, config.server().roles());
            assertThat(config.server().host()).as("%s listens beyond loopback", name).isEqualTo("0.0.0.0");
            assertThat(config.rocketmq().embedded()).as("%s uses the stack's RocketMQ", name).isFalse();
            assertThat(nodeIds.add(config.server().nodeId())).as("node-id of %s is unique", name).isTrue();
            assertThat(config.server().takesNextFreeNodeId()).as("%s refuses to start on a held node-id", name)
                    .isFalse();
            assertThat(config.mysql().host()).isEqualTo("mysql");
            assertThat(config.redis().host()).isEqualTo("redis");
            assertThat(config.rocketmq().nameservers()).containsExactly("rmq-namesrv:9876");
            assertThat(services()).containsKeys("mysql", "redis", "rmq-namesrv");

            Set<Integer> ports = containerPorts(s);
            assertThat(ports).as("%s exposes its HTTP port (metrics, probes)", name)
                    .contains(config.server().httpPort());
            if (config.server().roleSet().contains(ServiceConfig.Role.INGRESS)) {
                assertThat(ports).as("%s exposes its gRPC port", name).contains(config.server().grpcPort());
            }
            assertThat(seconds(s.path("stop_grace_period").asText("10s")))
                    .as("%s: docker stop waits longer than server.shutdown-timeout-ms", name)
                    .isGreaterThan(Duration.ofMillis(config.server().shutdownTimeoutMs()));
        });
        assertThat(rolesByService.values().stream().filter(r -> r.equals(List.of("ingress"))).count())
                .as("two ingress replicas").isEqualTo(2);
        assertThat(rolesByService.values()).contains(List.of("topology"), List.of("admin"));
    }

    @Test
    void prometheus_scrapes_every_coupon_process_on_its_http_port() throws Exception {
        JsonNode prom = YAML.readTree(COMPOSE.resolve("prometheus/prometheus.yml").toFile());
        Set<String> targets = new HashSet<>();
        prom.path("scrape_configs").forEach(job -> job.path("static_configs")
                .forEach(sc -> sc.path("targets").forEach(t -> targets.add(t.asText()))));
        appServices().forEach((name, s) -> {
            ServiceConfig config = new ConfigLoader().load(null, env(s));
            assertThat(targets).contains(name + ":" + config.server().httpPort());
        });
        JsonNode prometheus = services().get("prometheus");
        assertThat(prometheus.path("volumes").toString()).contains("prometheus.yml");
    }

    @Test
    void grafana_is_provisioned_with_the_dashboard_of_the_key_meters() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(COMPOSE.resolve("grafana/dashboards/coupon.json").toFile());
        Set<String> metrics = new HashSet<>();
        Pattern metric = Pattern.compile("\\b((?:coupon|jvm|process)_[a-z_]+)");
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> {
            Matcher m = metric.matcher(t.path("expr").asText());
            while (m.find()) {
                metrics.add(m.group(1));
            }
        }));
        assertThat(metrics).contains("coupon_grab_outcomes_total", "coupon_grab_duration_seconds_bucket",
                "coupon_grabs_in_flight", "coupon_grab_publications_total", "coupon_tx_checkbacks_total",
                "coupon_materializer_lag_seconds", "coupon_sink_batch_size_rows_count", "coupon_sink_rows_total",
                "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum");
        JsonNode provider = YAML.readTree(COMPOSE.resolve("grafana/provisioning/dashboards/coupon.yml").toFile());
        String dashboardsPath = provider.path("providers").get(0).path("options").path("path").asText();
        String grafanaVolumes = services().get("grafana").path("volumes").toString();
        assertThat(grafanaVolumes).contains(dashboardsPath).contains("/etc/grafana/provisioning");
        JsonNode datasource = YAML.readTree(COMPOSE.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        assertThat(datasource.path("datasources").get(0).path("url").asText()).isEqualTo("http://prometheus:9090");
        String uid = datasource.path("datasources").get(0).path("uid").asText();
        dashboard.path("panels").forEach(p -> assertThat(p.path("datasource").path("uid").asText())
                .as("panel '%s' queries the provisioned datasource", p.path("title").asText()).isEqualTo(uid));
        // the activity variable lists the live sales, and the per-sale panels follow it
        JsonNode variable = dashboard.path("templating").path("list").get(0);
        assertThat(variable.path("name").asText()).isEqualTo("activity");
        assertThat(variable.path("datasource").path("uid").asText()).isEqualTo(uid);
        assertThat(variable.path("query").path("query").asText())
                .isEqualTo("label_values(coupon_sale_remaining_stock, activity_id)");
        assertThat(variable.path("multi").asBoolean()).isTrue();
        assertThat(variable.path("includeAll").asBoolean()).isTrue();
        Set<String> perSale = new HashSet<>();
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> {
            String expr = t.path("expr").asText();
            if (expr.contains("coupon_sale_")) {
                perSale.add(p.path("title").asText());
                assertThat(expr).as("panel '%s' filters by the activity variable", p.path("title").asText())
                        .contains("activity_id=~\"$activity\"").contains("by (activity_id)");
            }
        }));
        assertThat(perSale).hasSizeGreaterThanOrEqualTo(5);
        assertThat(metrics).contains("coupon_sale_remaining_stock", "coupon_sale_granted", "coupon_sale_materialized",
                "coupon_sale_total_stock", "coupon_sale_status");
    }

    @Test
    void mysql_writes_a_row_binlog_redis_an_aof_and_canal_feeds_the_binlog_topic() {
        Map<String, JsonNode> s = services();
        assertThat(s.get("mysql").path("image").asText()).startsWith("mysql:8.");
        assertThat(s.get("mysql").path("command").toString()).contains("--binlog-format=ROW", "--log-bin");
        assertThat(s.get("redis").path("command").toString()).contains("\"--appendonly\",\"yes\"")
                .as("a Redis the service accepts: durable before it replies").contains("\"--appendfsync\",\"always\"");
        Map<String, String> canal = env(s.get("canal-server"));
        assertThat(canal).containsEntry("canal.mq.topic", Registry.TOPIC_BINLOG)
                .containsEntry("canal.serverMode", "rocketMQ")
                .containsEntry("canal.mq.flatMessage", "true")
                .containsEntry("rocketmq.namesrv.addr", "rmq-namesrv:9876");
    }

    @Test
    void the_broker_checks_open_grabs_back_for_an_hour_and_serves_its_metrics() throws Exception {
        java.util.Properties broker = new java.util.Properties();
        try (var in = Files.newBufferedReader(COMPOSE.resolve("rocketmq/broker.conf"))) {
            broker.load(in);
        }
        long checks = Long.parseLong(broker.getProperty("transactionCheckMax", "15"));
        long intervalMs = Long.parseLong(broker.getProperty("transactionCheckInterval", "30000"));
        assertThat(checks * intervalMs).as("check-back window (ms)").isGreaterThanOrEqualTo(3_600_000);
        assertThat(broker.getProperty("autoCreateTopicEnable")).isEqualTo("false");
        assertThat(services().get("rmq-broker").path("volumes").toString()).contains("broker.conf");
        assertThat(services().get("rmq-broker").path("command").toString()).contains("coupon-broker.conf");
        assertThat(broker.getProperty("metricsExporterType")).isEqualTo("PROM");
        String port = broker.getProperty("metricsPromExporterPort");
        JsonNode prom = YAML.readTree(COMPOSE.resolve("prometheus/prometheus.yml").toFile());
        assertThat(prom.toString()).contains("rmq-broker:" + port);
    }

    @Test
    void the_rocketmq_images_are_the_version_the_client_jars_are() {
        // MQVersion of rocketmq-client/common on the class path, e.g. V5_5_0 -> 5.5.0
        String clientVersion = org.apache.rocketmq.common.MQVersion.getVersionDesc(
                org.apache.rocketmq.common.MQVersion.CURRENT_VERSION).substring(1).replace('_', '.');
        List<String> rocketmq = services().entrySet().stream()
                .filter(e -> e.getValue().path("image").asText().startsWith("apache/rocketmq:"))
                .map(Map.Entry::getKey).sorted().toList();
        assertThat(rocketmq).contains("rmq-namesrv", "rmq-broker", "rmq-proxy");
        rocketmq.forEach(name -> assertThat(services().get(name).path("image").asText()).as(name)
                .isEqualTo("apache/rocketmq:" + clientVersion));
    }

    @Test
    void every_long_running_service_has_a_healthcheck_and_dependants_wait_for_it() {
        Map<String, JsonNode> s = services();
        Set<String> oneShot = new TreeSet<>();
        s.forEach((name, svc) -> svc.path("depends_on").fields().forEachRemaining(d -> {
            if ("service_completed_successfully".equals(d.getValue().path("condition").asText())) {
                oneShot.add(d.getKey());
            }
        }));
        oneShot.forEach(name -> assertThat(s.get(name).path("restart").asText("no")).as("%s runs once", name)
                .isEqualTo("no"));
        s.forEach((name, svc) -> {
            if (oneShot.contains(name)) {
                return;
            }
            JsonNode test = svc.path("healthcheck").path("test");
            assertThat(test.isArray() && test.size() > 1).as("healthcheck of %s", name).isTrue();
            assertThat(svc.path("healthcheck").path("disable").asBoolean(false)).isFalse();
            svc.path("depends_on").fields().forEachRemaining(d -> assertThat(d.getValue().path("condition").asText())
                    .as("%s waits until %s is healthy (or has run)", name, d.getKey())
                    .isEqualTo(oneShot.contains(d.getKey()) ? "service_completed_successfully" : "service_healthy"));
        });
        appServices().forEach((name, svc) -> {
            ServiceConfig config = new ConfigLoader().load(null, env(svc));
            assertThat(svc.path("healthcheck").path("test").toString()).as("%s probes /readyz on its HTTP port", name)
                    .contains("/app/bin/readyz-probe").contains("\"" + config.server().httpPort() + "\"");
            assertThat(svc.path("depends_on").fieldNames()).toIterable()
                    .contains("mysql", "redis", "rmq-namesrv", "rmq-broker");
        });
    }

    @Test
    void the_image_ships_the_probe_and_gives_the_rocketmq_client_a_log_folder_it_can_write() throws Exception {
        String dockerfile = Files.readString(COMPOSE.resolve("Dockerfile"));
        assertThat(dockerfile).contains("COPY compose/readyz-probe /app/bin/readyz-probe");
        Matcher logRoot = Pattern.compile("-Drocketmq\\.log\\.root=(\\S+?)[\\s\"]").matcher(dockerfile);
        assertThat(logRoot.find()).as("JAVA_OPTS sets rocketmq.log.root (rmq.client.logback.xml of 5.5)").isTrue();
        String dir = logRoot.group(1);
        assertThat(dockerfile).as("the Dockerfile creates %s and gives it to the service's user", dir)
                .containsPattern("mkdir -p [^\\n]*" + Pattern.quote(dir))
                .containsPattern("chown -R coupon:coupon [^\\n]*" + Pattern.quote(dir.substring(0, dir.lastIndexOf('/'))));
        assertThat(dockerfile.indexOf("chown")).as("made as root, before USER").isLessThan(dockerfile.indexOf("USER coupon"));
        // the RocketMQ servers' log and store volumes are handed to the image's user by a one-shot service
        JsonNode init = services().get("rmq-volumes");
        assertThat(init.path("user").asText()).isEqualTo("root");
        assertThat(init.path("command").toString()).contains("chown -R rocketmq:rocketmq");
        Set<String> chowned = new TreeSet<>();
        mounts(init).forEach(m -> chowned.add(m[0]));
        for (String name : List.of("rmq-namesrv", "rmq-broker", "rmq-proxy")) {
            List<String[]> mounts = mounts(services().get(name));
            assertThat(mounts).as(name).anyMatch(m -> m[1].equals("/home/rocketmq/logs"));
            mounts.stream().filter(m -> !m[0].startsWith("/") && !m[0].startsWith("."))
                    .forEach(m -> assertThat(chowned).as("%s's named volume %s is chowned", name, m[0]).contains(m[0]));
        }
    }

    @Test
    void prometheus_loads_the_alert_rules_it_mounts() throws Exception {
        JsonNode prom = YAML.readTree(COMPOSE.resolve("prometheus/prometheus.yml").toFile());
        List<String> ruleFiles = new ArrayList<>();
        prom.path("rule_files").forEach(f -> ruleFiles.add(f.asText()));
        assertThat(ruleFiles).containsExactly("/etc/prometheus/rules/*.yml");
        assertThat(mounts(services().get("prometheus")))
                .anyMatch(m -> m[0].endsWith("/prometheus/rules") && m[1].equals("/etc/prometheus/rules"));
        try (var files = Files.list(COMPOSE.resolve("prometheus/rules"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".yml")).count()).isPositive();
        }
    }

    private static Map<String, JsonNode> services() {
        Map<String, JsonNode> out = new HashMap<>();
        resolved.path("services").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** The services that run the coupon image. */
    private static Map<String, JsonNode> appServices() {
        Map<String, JsonNode> out = new HashMap<>();
        services().forEach((name, s) -> {
            if (s.path("image").asText().startsWith("flashcoupon/coupon-service:")) {
                out.put(name, s);
            }
        });
        return out;
    }

    /** Environment as a map, from either the mapping or the KEY=VALUE list form. */
    private static Map<String, String> env(JsonNode service) {
        Map<String, String> env = new HashMap<>();
        JsonNode e = service.path("environment");
        if (e.isArray()) {
            e.forEach(kv -> {
                String[] parts = kv.asText().split("=", 2);
                env.put(parts[0], parts.length > 1 ? parts[1] : "");
            });
        } else {
            e.fields().forEachRemaining(kv -> env.put(kv.getKey(), kv.getValue().asText()));
        }
        return env;
    }

    /** Volume mounts as {source, target}: the short "source:target[:mode]" form (v1) or the long one (v2). */
    private static List<String[]> mounts(JsonNode service) {
        List<String[]> out = new ArrayList<>();
        service.path("volumes").forEach(v -> {
            if (v.isObject()) {
                out.add(new String[] {v.path("source").asText(), v.path("target").asText()});
            } else {
                String[] parts = v.asText().split(":");
                out.add(new String[] {parts[0], parts.length > 1 ? parts[1] : parts[0]});
            }
        });
        return out;
    }

    /** Container-side ports from `ports` (short "host:container" or long {target}) and `expose`. */
    private static Set<Integer> containerPorts(JsonNode service) {
        Set<Integer> ports = new HashSet<>();
        service.path("ports").forEach(p -> {
            if (p.isObject()) {
                ports.add(p.path("target").asInt());
            } else {
                String[] parts = p.asText().split("/")[0].split(":");
                ports.add(Integer.parseInt(parts[parts.length - 1]));
            }
        });
        service.path("expose").forEach(p -> ports.add(Integer.parseInt(p.asText().split("/")[0])));
        return ports;
    }

    /** "40s", "1m30s", "1m" as a duration. */
    private static Duration seconds(String compose) {
        Matcher m = Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(compose);
        assertThat(m.matches()).as("stop_grace_period '%s'", compose).isTrue();
        long min = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long sec = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        return Duration.ofSeconds(min * 60 + sec);
    }

    /** COUPON_* names of every leaf of the default srv.yaml (the keys ConfigLoader reads from the environment). */
    private static Set<String> knownEnvNames() {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(ConfigLoader.DEFAULTS_RESOURCE)) {
            Set<String> names = new HashSet<>();
            leaves(YAML.readTree(in), "", names);
            return names;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void leaves(JsonNode node, String prefix, Set<String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
            }
        } else {
            out.add(ConfigLoader.envName(prefix));
        }
    }
}
