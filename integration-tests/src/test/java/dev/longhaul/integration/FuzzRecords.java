/*
 * Test fixture of FuzzIT: seeded hostile records for every topic the pipeline reads from outside
 * (jobs, documents, control, status, workers), each with what must become of it. Three fates:
 * - RECORD: refused on its own; a dead letter must point back at its topic, partition and offset
 *   (with the reason given, when the reason is certain);
 * - SUBMISSION: one of the records of a bad submission (job id `job`); the submission as a whole
 *   must end in one dead letter keyed by the job id, whatever number of records it had;
 * - IGNORED: well-formed records that the pipeline takes without a dead letter by a named rule
 *   (`rule`), and which must produce none.
 */
package dev.longhaul.integration;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkerHeartbeat;

final class FuzzRecords {
    enum Fate { RECORD, SUBMISSION, IGNORED }

    /** One record to send and its fate; reason is null when any reason will do. */
    record Fuzz(String topic, byte[] key, byte[] value, Fate fate, String reason, String job, String rule) {}

    private final Topics topics;
    private final Random random;
    private final Consumer<Fuzz> out;
    private int next;

    FuzzRecords(Topics topics, long seed, Consumer<Fuzz> out) {
        this.topics = topics;
        this.random = new Random(seed);
        this.out = out;
    }

    /** One generator picked at random, emitting one or a few records. */
    void one() {
        int pick = random.nextInt(100);
        String id = "fz-" + next++;
        if (pick < 40) {
            randomBytes(id);
        } else if (pick < 52) {
            truncated(id);
        } else if (pick < 56) {
            wrongSchema(id);
        } else if (pick < 60) {
            badKey();
        } else if (pick < 63) {
            trailingBytes(id);
        } else if (pick < 78) {
            badRequest(id);
        } else if (pick < 90) {
            badChunks(id);
        } else {
            ignored(id);
        }
    }

    private Topic<?, ?> anyInputTopic() {
        List<Topic<?, ?>> inputs = List.of(topics.jobs, topics.documents, topics.control, topics.status, topics.workers);
        return inputs.get(random.nextInt(inputs.size()));
    }

    private void record(Topic<?, ?> topic, String key, byte[] value, String reason) {
        out.accept(new Fuzz(topic.name(), key.getBytes(StandardCharsets.UTF_8), value, Fate.RECORD, reason, key, null));
    }

    private void randomBytes(String id) {
        byte[] value = new byte[random.nextInt(2000)];
        random.nextBytes(value);
        String reason = value.length < 5 ? "NOT_AVRO" : value[0] != 0 ? "BAD_MAGIC" : null;
        if (value.length >= 5 && value[0] == 0) {
            ByteBuffer.wrap(value, 1, 4).putInt(1_000_000 + random.nextInt(1_000_000)); // never a registered id
            reason = "UNKNOWN_SCHEMA_ID";
        }
        record(anyInputTopic(), id, value, reason);
    }

    private void truncated(String id) {
        Topic<?, ?> topic = anyInputTopic();
        byte[] valid = validFor(topic, id);
        record(topic, id, Arrays.copyOf(valid, 5 + random.nextInt(valid.length - 5)), "NOT_AVRO");
    }

    private void trailingBytes(String id) {
        Topic<?, ?> topic = anyInputTopic();
        byte[] valid = validFor(topic, id);
        byte[] longer = Arrays.copyOf(valid, valid.length + 1 + random.nextInt(8));
        record(topic, id, longer, "NOT_AVRO");
    }

    /** A valid record of another topic's schema: its writer schema is not the reader's. */
    private void wrongSchema(String id) {
        Topic<?, ?> topic = anyInputTopic();
        Topic<?, ?> other = topic == topics.status ? topics.control : topics.status;
        record(topic, id, validFor(other, id), "INCOMPATIBLE_SCHEMA");
    }

    private void badKey() {
        Topic<?, ?> topic = anyInputTopic();
        byte[] key = switch (random.nextInt(3)) {
            case 0 -> new byte[0];
            case 1 -> new byte[] {(byte) 0xc3, (byte) 0x28, 'x'}; // an invalid UTF-8 sequence
            default -> "k".repeat(300 + random.nextInt(2000)).getBytes(StandardCharsets.UTF_8);
        };
        String reason = key.length > 256 ? "OVERSIZE_RECORD" : "INVALID_REQUEST";
        out.accept(new Fuzz(topic.name(), key, validFor(topic, "fz-key"), Fate.RECORD, reason, null, null));
    }

    /** A well-formed record of the topic's own schema, keyed and naming job `id`. */
    byte[] validFor(Topic<?, ?> topic, String id) {
        Instant now = Instant.now();
        Object value;
        if (topic == topics.jobs) {
            value = request(id, "x".getBytes(StandardCharsets.UTF_8), 1).build();
        } else if (topic == topics.documents) {
            value = chunk(id, 0, "x".getBytes(StandardCharsets.UTF_8), true, "s-" + id);
        } else if (topic == topics.control) {
            value = Control.newBuilder().setJobId(id).setAction(ControlAction.CANCEL).setRequestedAt(now).build();
        } else if (topic == topics.status) {
            value = JobStatus.newBuilder().setJobId(id).setTenant("t").setState(JobState.RUNNING).setUpdatedAt(now).build();
        } else {
            value = WorkerHeartbeat.newBuilder().setWorkerId(id).setBackend("cpu").setLanes(List.of(99))
                    .setCapacityTokensPerSecond(1).setAt(now).build();
        }
        return serialize(topic, value);
    }

    @SuppressWarnings("unchecked")
    private static <V> byte[] serialize(Topic<?, V> topic, Object value) {
        return topic.values().serializer().serialize(topic.name(), (V) value);
    }

    /** A request that the planner refuses for a value out of range, after its (good) chunks. */
    private void badRequest(String id) {
        byte[] doc = text(1 + random.nextInt(300));
        String submission = "s-" + id;
        JobRequest.Builder r = request(id, doc, 1).setSubmissionId(submission);
        DocumentDescriptor d = r.getDocument();
        String reason = "INVALID_REQUEST";
        Task extract = Task.newBuilder().setType(TaskType.EXTRACT).build();
        switch (random.nextInt(14)) {
            case 0 -> d.setChunkCount(-1 - random.nextInt(1000));
            case 1 -> d.setBytes(-1 - random.nextInt(1000));
            case 2 -> { d.setBytes(1L << 50); reason = "OVERSIZE_DOCUMENT"; }
            case 3 -> { d.setChunkCount(Integer.MAX_VALUE); reason = "OVERSIZE_DOCUMENT"; }
            case 4 -> d.setSha256("not a digest");
            case 5 -> r.setTenant("");
            case 6 -> r.setTenant("t".repeat(5000));
            case 7 -> r.setTasks(List.of());
            case 8 -> { r.setKind(DocumentKind.UNKNOWN); reason = "UNKNOWN_KIND"; }
            case 9 -> r.setJobId("");
            case 10 -> d.setEncoding("gzip");
            case 11 -> r.setTasks(List.of(Task.newBuilder(extract).setFields(List.of("a", "a")).build()));
            case 12 -> { r.setTasks(List.of(Task.newBuilder(extract).setJsonSchema(hostileSchema()).build())); reason = "INVALID_SCHEMA"; }
            default -> {
                if (random.nextInt(4) == 0) { // rarer: each is a quarter of a MiB on the broker, twice
                    r.setMetadata(Map.of("pad", "m".repeat(260 * 1024)));
                    reason = "OVERSIZE_RECORD";
                } else {
                    r.setTasks(java.util.Collections.nCopies(33 + random.nextInt(100), Task.newBuilder().setType(TaskType.SUMMARIZE).build()));
                }
            }
        }
        submission(topics.documents, id, reason, serialize(topics.documents, chunk(id, 0, doc, true, submission)));
        submission(topics.jobs, id, reason, serialize(topics.jobs, r.build()));
    }

    private String hostileSchema() {
        return switch (random.nextInt(5)) {
            case 0 -> "{\"type\":\"array\",\"items\":".repeat(33 + random.nextInt(1000)) + "{}";
            case 1 -> "{\"type\":\"object\",\"description\":\"" + "d".repeat(17_000 + random.nextInt(20_000)) + "\"}";
            case 2 -> "{\"type\":\"array\",\"minItems\":1000000,\"items\":{\"type\":\"string\",\"minLength\":1000000}}";
            case 3 -> "{\"type\":\"string\",\"pattern\":\"(a+)+$\"}";
            default -> "{\"type\":[\"string\",\"object\"],";
        };
    }

    /** A submission whose chunks cannot make the document the request describes, or chunks with no request. */
    private void badChunks(String id) {
        byte[] doc = text(20 + random.nextInt(500));
        int count = 2 + random.nextInt(3);
        List<byte[]> parts = split(doc, count);
        String submission = "s-" + id;
        int[] order;
        String reason = "MISSING_CHUNKS";
        boolean withRequest = true;
        String path = null;
        switch (random.nextInt(7)) {
            case 0 -> order = reversed(count);                                         // out of order
            case 1 -> order = withRepeat(count);                                       // an index twice
            case 2 -> { order = new int[count + 1]; Arrays.setAll(order, i -> i); reason = "INVALID_REQUEST"; } // beyond the count
            case 3 -> { order = new int[count]; Arrays.setAll(order, i -> i); withRequest = false; }   // an unknown job
            case 4 -> { order = new int[count]; Arrays.setAll(order, i -> i); path = "../../etc/passwd"; reason = "INVALID_REQUEST"; }
            case 5 -> { order = new int[] {0, Integer.MAX_VALUE}; }
            default -> { order = new int[count - 1]; Arrays.setAll(order, i -> i); }  // the last one missing
        }
        for (int index : order) {
            byte[] data = index < parts.size() && index >= 0 ? parts.get(index) : text(10);
            // Beyond the count, only the extra chunk is marked last: the descriptor's last is not, whenever the request comes.
            boolean last = order.length > count && order[order.length - 1] >= count ? index >= count : index == count - 1;
            DocumentChunk c = chunk(id, index, data, last, submission);
            c.setPath(path);
            submission(topics.documents, id, reason, serialize(topics.documents, c));
        }
        if (withRequest) {
            submission(topics.jobs, id, reason, serialize(topics.jobs, request(id, doc, count).setSubmissionId(submission).build()));
        }
    }

    /** Well-formed records that change nothing a dead letter would report, each by its rule. */
    private void ignored(String id) {
        Instant now = Instant.now();
        switch (random.nextInt(4)) {
            case 0 -> ignore(topics.control, id, Control.newBuilder().setJobId(id).setAction(ControlAction.CANCEL).setRequestedAt(now).build(),
                    "a cancel for a job id not yet submitted cancels that id (CANCELLED status)");
            case 1 -> ignore(topics.control, id, Control.newBuilder().setJobId(id).setAction(ControlAction.values()[1 + random.nextInt(3)])
                    .setPriority(random.nextInt()).setRequestedAt(now).build(), "control actions other than CANCEL are not acted on");
            case 2 -> ignore(topics.workers, id, WorkerHeartbeat.newBuilder().setWorkerId(id).setBackend("cpu")
                    .setLanes(List.of(-1 - random.nextInt(9), 4 + random.nextInt(1000))).setCapacityTokensPerSecond(Double.NaN)
                    .setOutstandingCostTokens(Long.MIN_VALUE).setAt(random.nextBoolean() ? now.plusSeconds(86_400 * 365) : Instant.EPOCH).build(),
                    "heartbeat lanes outside the lane range, and stale or future-dated heartbeats, are not used");
            default -> ignore(topics.status, id, JobStatus.newBuilder().setJobId(id).setTenant("t")
                    .setState(JobState.values()[random.nextInt(JobState.values().length)]).setProgress(-1e300)
                    .setUpdatedAt(now).build(), "a well-formed status of an unknown job is kept in the status table and moves nothing");
        }
    }

    private void ignore(Topic<?, ?> topic, String id, Object value, String rule) {
        out.accept(new Fuzz(topic.name(), id.getBytes(StandardCharsets.UTF_8), serialize(topic, value), Fate.IGNORED, null, id, rule));
    }

    private void submission(Topic<?, ?> topic, String id, String reason, byte[] value) {
        out.accept(new Fuzz(topic.name(), id.getBytes(StandardCharsets.UTF_8), value, Fate.SUBMISSION, reason, id, null));
    }

    /** A chunk's fields without its data, for failure messages. */
    String describeChunk(byte[] value) {
        try {
            var reader = new org.apache.avro.specific.SpecificDatumReader<>(DocumentChunk.class);
            DocumentChunk c = reader.read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
            return "chunk " + c.getIndex() + " last=" + c.getIsLast() + " path=" + c.getPath() + " bytes=" + c.getData().remaining();
        } catch (java.io.IOException | RuntimeException e) {
            return "unreadable chunk: " + e;
        }
    }

    static JobRequest.Builder request(String id, byte[] doc, int chunks) {
        return JobRequest.newBuilder().setJobId(id).setTenant("fuzz").setKind(DocumentKind.TEXT)
                .setTasks(List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build()))
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(chunks).setBytes(doc.length)
                        .setSha256(sha256(doc)).setMediaType("text/plain").build())
                .setSubmittedAt(Instant.now()).setSubmissionId("s-" + id);
    }

    static DocumentChunk chunk(String id, int index, byte[] data, boolean last, String submission) {
        return DocumentChunk.newBuilder().setJobId(id).setIndex(index).setData(ByteBuffer.wrap(data))
                .setIsLast(last).setSubmissionId(submission).build();
    }

    private byte[] text(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + random.nextInt(26));
        }
        return b;
    }

    private static List<byte[]> split(byte[] doc, int count) {
        List<byte[]> parts = new ArrayList<>();
        int size = (doc.length + count - 1) / count;
        for (int i = 0; i < count; i++) {
            parts.add(Arrays.copyOfRange(doc, Math.min(doc.length, i * size), Math.min(doc.length, (i + 1) * size)));
        }
        return parts;
    }

    private static int[] reversed(int count) {
        int[] o = new int[count];
        Arrays.setAll(o, i -> count - 1 - i);
        return o;
    }

    private int[] withRepeat(int count) {
        int[] o = new int[count + 1];
        int dup = random.nextInt(count - 1); // not the last index: a repeat after it could come after the request settled
        for (int i = 0, j = 0; i < o.length; i++) {
            o[i] = i == dup + 1 ? dup : j++;
        }
        return o;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
