/*
 * Hostile and broken input on a real broker, through the whole stack: bytes that are not Avro, a
 * wrong magic byte, an unknown schema id, missing chunks, a digest mismatch, a kind the pipeline
 * does not take, and an oversize document. Each lands in `dead-letters` with its machine-readable
 * reason and (where it names a job) a FAILED status; the good jobs sent between them all succeed
 * and the worker keeps working.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.Worker;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class BadInputIT {
    private static final List<Task> SUMMARIZE = List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build());

    @Test
    void eachBadInputIsDeadLetteredWithItsReasonAndGoodJobsSucceed() throws Exception {
        PipelineConfig base = PipelineConfig.DEFAULTS.withKafka(
                new PipelineConfig.Kafka("longhaul-bad-it", "longhaul.", 1, Duration.ofMillis(100)));
        PipelineConfig config = base.withLimits(new PipelineConfig.Limits(1 << 20, 64,
                EnumSet.of(DocumentKind.LOG, DocumentKind.TEXT, DocumentKind.CONTRACT),
                base.limits().tenants(), Duration.ofSeconds(3)));
        try (Cluster cluster = new Cluster(config, 256, 4)) {
            Worker worker = cluster.addWorker("bad-w");
            String jobs = cluster.topics.jobs.name();
            byte[] validRequest = cluster.topics.jobs.values().serializer().serialize(jobs, request("template", "x".getBytes(), 1));
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.stack.bootstrapServers());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bad-input-it");
            try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                good(cluster, "good-1");
                raw(producer, jobs, "bad-notavro", "this is not avro".getBytes(StandardCharsets.UTF_8));
                byte[] wrongMagic = validRequest.clone();
                wrongMagic[0] = 7;
                raw(producer, jobs, "bad-magic", wrongMagic);
                byte[] unknownId = validRequest.clone();
                ByteBuffer.wrap(unknownId, 1, 4).putInt(987_654);
                raw(producer, jobs, "bad-id", unknownId);
                byte[] garbage = java.util.Arrays.copyOf(validRequest, 12);
                java.util.Arrays.fill(garbage, 5, 12, (byte) 0xff); // a real header, then bytes that decode to nothing
                raw(producer, jobs, "bad-body", garbage);
                good(cluster, "good-2");
                byte[] doc = "a document with three chunks, only two of which are sent".getBytes(StandardCharsets.UTF_8);
                submitRaw(cluster, producer, "bad-missing", doc, 3, 2, sha256(doc));
                submitRaw(cluster, producer, "bad-digest", doc, 1, 1, sha256("something else".getBytes()));
                good(cluster, "good-3");
                raw(producer, jobs, "bad-newkind", newerWritersKind(cluster, "bad-newkind"));
            }
            cluster.submitter.submit(JobSpec.of(DocumentKind.REPO, SUMMARIZE).withJobId("bad-kind"),
                    DocumentSource.repository(java.nio.file.Path.of("..", "embedded-kafka")));
            cluster.submitter.submit(JobSpec.of(DocumentKind.LOG, SUMMARIZE).withJobId("bad-oversize"),
                    DocumentSource.stream(new ByteArrayInputStream("z".repeat((1 << 20) + 4096).getBytes(StandardCharsets.US_ASCII)), "zs"));
            good(cluster, "good-4");

            Map<String, String> expected = Map.of(
                    "bad-notavro", "BAD_MAGIC", // 't' is not the magic byte 0: refused before any Avro parse
                    "bad-magic", "BAD_MAGIC",
                    "bad-body", "NOT_AVRO",
                    "bad-id", "UNKNOWN_SCHEMA_ID",
                    "bad-missing", "MISSING_CHUNKS",
                    "bad-digest", "DIGEST_MISMATCH",
                    "bad-kind", "UNKNOWN_KIND", // REPO, which this pipeline's config does not take
                    "bad-newkind", "UNKNOWN_KIND", // SPREADSHEET, a kind only a newer writer knows
                    "bad-oversize", "OVERSIZE_DOCUMENT");
            Map<String, String> reasons = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (reasons.size() < expected.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], DeadLetter> r : cluster.committed(cluster.topics.deadLetters)) {
                    if (r.key() != null) {
                        reasons.putIfAbsent(new String(r.key(), StandardCharsets.UTF_8), r.value().getReasonCode());
                    }
                }
                Thread.sleep(500);
            }
            for (var e : expected.entrySet()) {
                assertEquals(e.getValue(), reasons.get(e.getKey()), "dead-letter reason of " + e.getKey() + " (all: " + reasons + ")");
            }
            Map<String, JobState> states = new HashMap<>();
            deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            List<String> goods = List.of("good-1", "good-2", "good-3", "good-4");
            while (System.nanoTime() < deadline && !goods.stream().allMatch(g -> states.get(g) == JobState.SUCCEEDED)) {
                states.clear();
                for (ConsumerRecord<String, JobStatus> r : cluster.committed(cluster.topics.status)) {
                    states.put(r.key(), r.value().getState());
                }
                Thread.sleep(500);
            }
            for (String g : goods) {
                assertEquals(JobState.SUCCEEDED, states.get(g), g + " is unaffected by the bad input around it");
            }
            for (String bad : expected.keySet()) {
                assertEquals(JobState.FAILED, states.get(bad), "status of " + bad);
            }
            assertEquals(4, worker.ordersDone(), "the worker ran exactly the good jobs");
        }
    }

    /**
     * A JobRequest from a newer writer whose DocumentKind has a symbol this reader lacks
     * (SPREADSHEET), registered in the registry as the next version of the subject and framed in
     * the Confluent wire format; the planner reads it as UNKNOWN.
     */
    private static byte[] newerWritersKind(Cluster cluster, String id) throws Exception {
        Schema newer = new Schema.Parser().parse(JobRequest.getClassSchema().toString()
                .replace("\"UNKNOWN\"]", "\"UNKNOWN\",\"SPREADSHEET\"]"));
        int schemaId = new RestSchemaRegistryClient(cluster.stack.registryUrl())
                .register(cluster.topics.jobs.name() + "-value", newer);
        Schema task = newer.getField("tasks").schema().getElementType();
        GenericRecord summarize = new GenericData.Record(task);
        summarize.put("type", new GenericData.EnumSymbol(task.getField("type").schema(), "SUMMARIZE"));
        summarize.put("fields", List.of());
        Schema descriptor = newer.getField("document").schema();
        GenericRecord document = new GenericData.Record(descriptor);
        document.put("chunkCount", 1);
        document.put("bytes", 1L);
        document.put("sha256", sha256("x".getBytes()));
        document.put("mediaType", "text/csv");
        GenericRecord request = new GenericData.Record(newer);
        request.put("jobId", id);
        request.put("tenant", "default");
        request.put("kind", new GenericData.EnumSymbol(newer.getField("kind").schema(), "SPREADSHEET"));
        request.put("tasks", List.of(summarize));
        request.put("priority", 0);
        request.put("document", document);
        request.put("metadata", Map.of());
        request.put("submittedAt", Instant.now().toEpochMilli());
        request.put("submissionId", UUID.randomUUID().toString());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(5).put((byte) 0).putInt(schemaId).array());
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(newer).write(request, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static void good(Cluster cluster, String id) throws Exception {
        cluster.submitter.submit(JobSpec.of(DocumentKind.TEXT, SUMMARIZE).withJobId(id),
                DocumentSource.stream(new ByteArrayInputStream(("good job " + id).getBytes(StandardCharsets.UTF_8)), id));
    }

    private static void raw(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, key, value));
        producer.commitTransaction();
    }

    /** A job written as ingest would, except that only `sent` of `chunks` chunks go out, with the given digest. */
    private static void submitRaw(Cluster cluster, KafkaProducer<String, byte[]> producer, String id, byte[] doc,
                                  int chunks, int sent, String digest) {
        String submission = UUID.randomUUID().toString();
        int size = (doc.length + chunks - 1) / chunks;
        producer.beginTransaction();
        for (int i = 0; i < sent; i++) {
            byte[] part = java.util.Arrays.copyOfRange(doc, i * size, Math.min(doc.length, (i + 1) * size));
            DocumentChunk c = DocumentChunk.newBuilder().setJobId(id).setIndex(i).setData(ByteBuffer.wrap(part))
                    .setIsLast(i == chunks - 1).setSubmissionId(submission).build();
            producer.send(new ProducerRecord<>(cluster.topics.documents.name(), id,
                    cluster.topics.documents.values().serializer().serialize(cluster.topics.documents.name(), c)));
        }
        JobRequest r = request(id, doc, chunks);
        r.getDocument().setSha256(digest);
        r.setSubmissionId(submission);
        producer.send(new ProducerRecord<>(cluster.topics.jobs.name(), id,
                cluster.topics.jobs.values().serializer().serialize(cluster.topics.jobs.name(), r)));
        producer.commitTransaction();
    }

    private static JobRequest request(String id, byte[] doc, int chunks) {
        return JobRequest.newBuilder().setJobId(id).setTenant("default").setKind(DocumentKind.TEXT).setTasks(SUMMARIZE)
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(chunks).setBytes(doc.length)
                        .setSha256(sha256(doc)).setMediaType("text/plain").build())
                .setSubmittedAt(Instant.now()).build();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
