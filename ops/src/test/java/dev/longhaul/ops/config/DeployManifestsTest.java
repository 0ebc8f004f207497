/*
 * The Kubernetes manifests in ops/deploy against the code, so that they cannot drift from it: every
 * file parses as YAML and every document names its apiVersion, kind and name; the KafkaTopics are
 * exactly the catalog's topics (Topics, namespace "longhaul.") plus the registry's, with the
 * catalog's cleanup policies; `work` has one partition per lane, and the pipeline's --lanes and
 * every worker Deployment's replicas say the same; the job-keyed topics share one partition count;
 * the ConfigMap's longhaul.properties loads through EffectiveConfig and points at the Kafka
 * listener and the registry Service defined here; and every container's arguments parse with the
 * production command line under that configuration and the container's own environment.
 */
package dev.longhaul.ops.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longhaul.ops.cli.Longhaul;
import dev.longhaul.ops.registry.RegistryConfig;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployManifestsTest {
    /** Surefire runs in the module's folder. */
    private static final Path DEPLOY = Path.of("deploy");
    private static final Topics CATALOG = new Topics(PipelineConfig.DEFAULTS.kafka().namespace(), new InMemorySchemaRegistry());

    private static List<JsonNode> documents;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        assertTrue(Files.isDirectory(DEPLOY), "no " + DEPLOY.toAbsolutePath());
        YAMLMapper yaml = new YAMLMapper();
        documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
                    for (JsonNode doc : docs.readAll()) {
                        if (!doc.isEmpty()) {
                            for (String field : List.of("apiVersion", "kind")) {
                                assertTrue(doc.hasNonNull(field), file + ": a document without " + field);
                            }
                            assertFalse(doc.path("metadata").path("name").asText().isEmpty(), file + ": a document without metadata.name");
                            documents.add(doc);
                        }
                    }
                }
            }
        }
        assertFalse(documents.isEmpty(), "no manifests in " + DEPLOY);
    }

    private static List<JsonNode> ofKind(String kind) {
        return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static JsonNode named(String kind, String name) {
        return ofKind(kind).stream().filter(d -> d.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
    }

    /** KafkaTopics by the topic's name (spec.topicName when the resource name cannot be it). */
    private static Map<String, JsonNode> topics() {
        Map<String, JsonNode> byName = new TreeMap<>();
        for (JsonNode t : ofKind("KafkaTopic")) {
            String name = t.path("spec").path("topicName").asText(t.path("metadata").path("name").asText());
            assertTrue(byName.put(name, t) == null, "two KafkaTopics for " + name);
        }
        return byName;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theTopicsAreTheCatalogsWithItsCleanupPolicies() {
        Map<String, JsonNode> topics = topics();
        Set<String> expected = new HashSet<>();
        for (Map.Entry<Topic<?, ?>, Map<String, String>> entry : CATALOG.all()) {
            String name = entry.getKey().name();
            expected.add(name);
            JsonNode t = topics.get(name);
            assertTrue(t != null, "no KafkaTopic for the catalog's " + name);
            entry.getValue().forEach((key, value) ->
                    assertEquals(value, t.path("spec").path("config").path(key).asText(), name + " " + key));
        }
        expected.add(RegistryConfig.DEFAULT_TOPIC);
        assertEquals(new java.util.TreeSet<>(expected), topics.keySet(), "KafkaTopics other than the catalog's and the registry's");

        JsonNode schemas = topics.get(RegistryConfig.DEFAULT_TOPIC);
        assertEquals(1, schemas.path("spec").path("partitions").asInt(), "the registry needs exactly one partition");
        assertEquals("compact", schemas.path("spec").path("config").path("cleanup.policy").asText());
    }

    @Test
    void everyTopicBelongsToTheClusterDefinedHere() {
        String cluster = ofKind("Kafka").getFirst().path("metadata").path("name").asText();
        assertEquals(1, ofKind("Kafka").size());
        for (JsonNode t : ofKind("KafkaTopic")) {
            assertEquals(cluster, t.path("metadata").path("labels").path("strimzi.io/cluster").asText(), t.path("metadata").toString());
        }
        assertEquals(cluster, ofKind("KafkaNodePool").getFirst().path("metadata").path("labels").path("strimzi.io/cluster").asText());
    }

    @Test
    void lanesAgree() {
        Map<String, JsonNode> topics = topics();
        int lanes = topics.get(CATALOG.work.name()).path("spec").path("partitions").asInt();
        assertTrue(lanes >= 1);

        List<String> pipelineArgs = strings(container(named("Deployment", "longhaul-pipeline")).path("args"));
        assertEquals(String.valueOf(lanes), pipelineArgs.get(pipelineArgs.indexOf("--lanes") + 1), "pipeline --lanes");

        List<JsonNode> workers = ofKind("Deployment").stream()
                .filter(d -> strings(container(d).path("args")).getFirst().equals("worker")).toList();
        assertEquals(2, workers.size(), "a CPU and a GPU variant");
        for (JsonNode w : workers) {
            assertEquals(lanes, w.path("spec").path("replicas").asInt(), "worker replicas = lanes");
        }
        assertTrue(workers.stream().anyMatch(w -> container(w).path("resources").path("limits").path("nvidia.com/gpu").asInt() == 1
                && container(w).path("resources").path("requests").path("nvidia.com/gpu").asInt() == 1), "a GPU variant");
    }

    @Test
    void jobKeyedTopicsShareOnePartitionCount() {
        Map<String, JsonNode> topics = topics();
        Set<Integer> counts = new HashSet<>();
        for (Map.Entry<Topic<?, ?>, Map<String, String>> entry : CATALOG.all()) {
            if (entry.getKey() != CATALOG.work) {
                counts.add(topics.get(entry.getKey().name()).path("spec").path("partitions").asInt());
            }
        }
        assertEquals(1, counts.size(), "partition counts of the job-keyed topics: " + counts);
    }

    @Test
    void theConfigMapLoadsAndPointsAtTheServicesHere() throws IOException {
        EffectiveConfig c = EffectiveConfig.load(configFile(), Map.of(), dir);

        assertEquals(CATALOG.namespace(), c.config().namespace());
        JsonNode kafka = ofKind("Kafka").getFirst();
        String bootstrap = kafka.path("metadata").path("name").asText() + "-kafka-bootstrap:"
                + kafka.path("spec").path("kafka").path("listeners").get(0).path("port").asInt();
        assertEquals(bootstrap, c.config().bootstrapServers());
        JsonNode registry = named("Service", c.config().registryUrl().getHost());
        assertEquals(c.config().registryUrl().getPort(), registry.path("spec").path("ports").get(0).path("port").asInt());
        String protocol = c.config().security().protocol();
        assertEquals(kafka.path("spec").path("kafka").path("listeners").get(0).path("authentication").isMissingNode(),
                !protocol.startsWith("SASL_"), "the listener's authentication and kafka.security.protocol agree");
    }

    @Test
    void everyContainerParsesWithTheProductionCommandLine() throws IOException {
        Path config = configFile();
        int containers = 0;
        for (JsonNode d : ofKind("Deployment")) {
            JsonNode c = container(d);
            assertEquals("longhaul", strings(c.path("command")).getFirst(), d.path("metadata").path("name").asText());
            Map<String, String> env = new HashMap<>();
            c.path("env").forEach(e -> {
                if (e.has("value") && !e.path("name").asText().equals(EffectiveConfig.CONFIG_ENV)) {
                    env.put(e.path("name").asText(), e.path("value").asText());
                }
            });
            List<String> args = new ArrayList<>(List.of("--config", config.toString()));
            args.addAll(strings(c.path("args")));
            Longhaul.commandLine(env, dir).parseArgs(args.toArray(String[]::new));
            containers++;
        }
        assertTrue(containers >= 6, "registry, pipeline, two worker variants, sink, dashboard");
    }

    private static JsonNode container(JsonNode deployment) {
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), deployment.path("metadata").path("name").asText());
        return containers.get(0);
    }

    /** The ConfigMap's longhaul.properties, written where EffectiveConfig can read it. */
    private Path configFile() throws IOException {
        String text = named("ConfigMap", "longhaul-config").path("data").path(EffectiveConfig.FILE_NAME).asText();
        assertFalse(text.isBlank(), "the ConfigMap holds no " + EffectiveConfig.FILE_NAME);
        return Files.writeString(dir.resolve(EffectiveConfig.FILE_NAME), text);
    }
}
