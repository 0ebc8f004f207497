/*
 * Submissions on a real broker (EmbeddedKafka, started here): what a read_committed reader sees
 * after a submit is exactly the chunks in order and then the request, with count, bytes and digest
 * matching the bytes read back and the corpus's own sha256; a submission whose source fails
 * halfway leaves nothing visible; repository chunks carry their file's path.
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

class SubmitterTest {
    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    /** A fresh namespace per test, so each reads only its own records; producer and reader share one registry. */
    private record Fixture(IngestConfig config, InMemorySchemaRegistry registry, Topics topics) {}

    private static Fixture fixture(TestInfo test, int chunkBytes) {
        String namespace = test.getTestMethod().orElseThrow().getName() + ".";
        IngestConfig config = IngestConfig.defaults(kafka.bootstrapServers()).withNamespace(namespace).withChunkBytes(chunkBytes);
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topics topics = new Topics(namespace, registry);
        Topics4Test.createAll(kafka, topics);
        return new Fixture(config, registry, topics);
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(Chunker.sha256().digest(bytes));
    }

    private static byte[] bytes(ByteBuffer data) {
        ByteBuffer copy = data.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    @Test
    void aContractIsReadBackCommittedInOrderWithItsDescriptor(TestInfo test) throws IOException {
        Fixture f = fixture(test, 4096);
        Path contract = Corpus.file(Corpus.CONTRACT);
        JobSpec spec = JobSpec.of(DocumentKind.CONTRACT, List.of(JobSpec.parseTask("summarize"), JobSpec.parseTask("extract:Parties,Governing Law")))
                .withTenant("acme").withPriority(3).withDeadline(Instant.parse("2030-01-01T00:00:00Z"))
                .withMetadata(Map.of("label", "cuad"));
        Submission submission;
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            submission = submitter.submit(spec, DocumentSource.file(contract));
        }

        List<ConsumerRecord<String, DocumentChunk>> chunks = Topics4Test.readCommitted(kafka, f.topics().documents);
        List<ConsumerRecord<String, JobRequest>> jobs = Topics4Test.readCommitted(kafka, f.topics().jobs);
        assertEquals(1, jobs.size());
        JobRequest request = jobs.get(0).value();
        assertEquals(submission.request(), request);
        assertEquals(submission.jobId(), jobs.get(0).key());

        long size = Files.size(contract);
        int expectedChunks = (int) ((size + 4095) / 4096);
        assertEquals(expectedChunks, chunks.size());
        ByteArrayOutputStream document = new ByteArrayOutputStream();
        for (int i = 0; i < chunks.size(); i++) {
            ConsumerRecord<String, DocumentChunk> r = chunks.get(i);
            DocumentChunk c = r.value();
            assertEquals(submission.jobId(), r.key());
            assertEquals(submission.jobId(), c.getJobId());
            assertEquals(i, c.getIndex(), "chunks of one job share a partition, in index order");
            assertEquals(i == chunks.size() - 1, c.getIsLast());
            assertEquals(submission.submissionId(), c.getSubmissionId());
            assertNull(c.getPath());
            assertTrue(c.getData().remaining() <= 4096);
            document.writeBytes(bytes(c.getData()));
        }
        // The request comes after its chunks in the transaction; both share the key's partition number.
        assertEquals(chunks.get(0).partition(), jobs.get(0).partition());
        assertArrayEquals(Files.readAllBytes(contract), document.toByteArray());
        assertEquals(expectedChunks, request.getDocument().getChunkCount());
        assertEquals(size, request.getDocument().getBytes());
        assertEquals(Corpus.manifestSha256(Corpus.CONTRACT), request.getDocument().getSha256());
        assertEquals(sha256(document.toByteArray()), request.getDocument().getSha256());
        assertEquals(DocumentSource.TEXT, request.getDocument().getMediaType());
        assertNull(request.getDocument().getEncoding());

        assertEquals(DocumentKind.CONTRACT, request.getKind());
        assertEquals("acme", request.getTenant());
        assertEquals(3, request.getPriority());
        assertEquals(Instant.parse("2030-01-01T00:00:00Z"), request.getDeadline());
        assertEquals(List.of(TaskType.SUMMARIZE, TaskType.EXTRACT), request.getTasks().stream().map(t -> t.getType()).toList());
        assertEquals(List.of("Parties", "Governing Law"), request.getTasks().get(1).getFields());
        assertEquals("cuad", request.getMetadata().get("label"));
        assertEquals(contract.getFileName().toString(), request.getMetadata().get(DocumentSource.META_FILE_NAME));
    }

    @Test
    void aGzippedLogGoesOutDecompressedInFullChunks(TestInfo test) throws IOException {
        Fixture f = fixture(test, IngestConfig.MAX_CHUNK_BYTES);
        Path gz = tmp.resolve("Linux.log.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(Corpus.file(Corpus.LINUX_LOG), out);
        }
        Submission submission;
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            submission = submitter.submit(JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("summarize"))).withJobId("linux-log"),
                    DocumentSource.file(gz));
        }
        List<ConsumerRecord<String, DocumentChunk>> chunks = Topics4Test.readCommitted(kafka, f.topics().documents);
        assertEquals(List.of(524288, 524288, 524288, 524288, 278580),
                chunks.stream().map(r -> r.value().getData().remaining()).toList());
        assertEquals("linux-log", submission.jobId());
        assertEquals(2_375_732, submission.document().getBytes());
        assertEquals(Corpus.manifestSha256(Corpus.LINUX_LOG), submission.document().getSha256());
        assertEquals("gzip", submission.request().getMetadata().get(DocumentSource.META_CONTENT_ENCODING));
    }

    /**
     * A source that fails while it is uploaded, chunks already sent in the transaction (a gzip file
     * cut short: its head decompresses, so the checks before the transaction pass): the transaction
     * is aborted, readers see none of it, and the same submitter goes on. A stream that fails while
     * it is copied fails before any transaction.
     */
    @Test
    void aSourceFailingHalfwayLeavesNothingVisible(TestInfo test) throws IOException {
        Fixture f = fixture(test, 1024);
        byte[] good = text(3000, 11);
        Path whole = gzip(text(200_000, 12), tmp.resolve("whole.log.gz"));
        byte[] gz = Files.readAllBytes(whole);
        Path cut = Files.write(tmp.resolve("cut.log.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            IOException e = assertThrows(IOException.class, () -> submitter.submit(
                    JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("summarize"))).withJobId("doomed"),
                    DocumentSource.file(cut)));
            assertTrue(e.getMessage() != null, "an EOF naming the cut input");
            IOException copying = assertThrows(IOException.class, () -> submitter.submit(
                    JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"))).withJobId("doomed-stream"),
                    DocumentSource.stream(new FailingStream(10 * 1024), "stdin")));
            assertEquals("stdin: reading failed: disk gone", copying.getMessage());
            // The same submitter is usable after an abort; its job is the only one readers see. Its
            // stream is checked first, as the command does: the submission sends the checked copy
            JobSpec survivor = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"))).withJobId("survivor");
            DocumentSource stdin = DocumentSource.stream(new java.io.ByteArrayInputStream(good), "stdin");
            Submitter.check(survivor, stdin, f.config());
            submitter.submit(survivor, stdin);
        }
        List<ConsumerRecord<String, DocumentChunk>> chunks = Topics4Test.readCommitted(kafka, f.topics().documents);
        List<ConsumerRecord<String, JobRequest>> jobs = Topics4Test.readCommitted(kafka, f.topics().jobs);
        assertEquals(List.of("survivor"), jobs.stream().map(ConsumerRecord::key).toList());
        assertEquals(List.of("survivor", "survivor", "survivor"), chunks.stream().map(ConsumerRecord::key).toList());
        assertEquals(sha256(good), jobs.get(0).value().getDocument().getSha256());
    }

    /**
     * Ctrl-C during an upload on a slow link (a broker quota stands for it): abandon() aborts the
     * open transaction at once. A close alone would first send every chunk still buffered, run out
     * of its time doing so and skip the abort, leaving the transaction open until its timeout (10
     * minutes) with every read_committed reader of those partitions waiting behind it.
     */
    @Test
    void abandoningASlowUploadAbortsItsTransactionAtOnce(TestInfo test) throws Exception {
        String clientId = "slow-submitter-" + test.getTestMethod().orElseThrow().getName();
        Fixture f = fixture(test, 512 << 10);
        IngestConfig slow = f.config().withClientOverrides(Map.of("client.id", clientId));
        Map<String, Object> adminProps = Map.of("bootstrap.servers", kafka.bootstrapServers());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(adminProps)) {
            var entity = new org.apache.kafka.common.quota.ClientQuotaEntity(
                    Map.of(org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID, clientId));
            admin.alterClientQuotas(List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(entity,
                    List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 256_000.0))))).all().get();
        }
        Path big = Files.write(tmp.resolve("big.log"), text(24 << 20, 13));
        try (Submitter submitter = new Submitter(slow, f.registry())) {
            Thread upload = Thread.ofPlatform().start(() -> {
                try {
                    submitter.submit(JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("summarize"))).withJobId("slow"),
                            DocumentSource.file(big));
                } catch (Exception expected) {
                    // aborted under it
                }
            });
            // the upload under way, throttled: chunks written in its open transaction, not yet stable
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (endOffsets(f.topics().documents.name(), "read_committed") >= endOffsets(f.topics().documents.name(), "read_uncommitted")
                    && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            Thread.sleep(2000); // chunks buffered past what the quota lets through in seconds
            assertTrue(upload.isAlive(), "the upload still going when abandoned (the quota throttles it)");
            assertEquals(java.util.Optional.empty(), submitter.abandon(), "no commit was under way");
            // the transaction ends: a read_committed reader's end (the last stable offset) reaches the log's
            end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(40);
            long stable;
            long written;
            do {
                Thread.sleep(200);
                stable = endOffsets(f.topics().documents.name(), "read_committed");
                written = endOffsets(f.topics().documents.name(), "read_uncommitted");
            } while (stable < written && System.nanoTime() < end);
            assertEquals(written, stable, "the upload's transaction is still open");
            upload.join(60_000);
        }
        assertEquals(List.of(), Topics4Test.readCommitted(kafka, f.topics().jobs), "nothing of it visible");
    }

    /** The sum of the topic's partitions' end offsets as a reader of that isolation level sees them. */
    private static long endOffsets(String topic, String isolation) {
        Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers(), "isolation.level", isolation);
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(props,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** `length` bytes of printable text in lines of 61 (binary is refused), drawn with `seed`. */
    private static byte[] text(int length, long seed) {
        byte[] text = new byte[length];
        Random random = new Random(seed);
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) (i % 61 == 60 ? '\n' : ' ' + random.nextInt(95));
        }
        return text;
    }

    private static Path gzip(byte[] content, Path file) throws IOException {
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
        return file;
    }

    @Test
    void aSlowStreamHoldsNoTransactionOpenWhileItIsRead(TestInfo test) throws Exception {
        Fixture f = fixture(test, 1024);
        JobSpec spec = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        // given a stream (a pipe from a running command) that gives 20 chunks' worth (more than the
        // head read to refuse binary input), then waits
        InputStream slow = new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                if (served == 20_000) {
                    waiting.countDown();
                    try {
                        end.await();
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                    return -1;
                }
                served++;
                return served % 61 == 0 ? '\n' : 'a' + served % 26;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                // as a pipe does: what has come so far, without waiting to fill the buffer
                int n = Math.min(len, Math.max(1, 20_000 - served));
                for (int i = 0; i < n; i++) {
                    int c = read();
                    if (c < 0) {
                        return i == 0 ? -1 : i;
                    }
                    b[off + i] = (byte) c;
                }
                return n;
            }
        };
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Submitter submitter = new Submitter(f.config(), f.registry()); Submitter other = new Submitter(f.config(), f.registry())) {
            var submitted = pool.submit(() -> submitter.submit(spec.withJobId("slow"), DocumentSource.stream(slow, "stdin")));
            try {
                waiting.await();
                // when another job is submitted meanwhile, then readers see it at once: no transaction
                // of the slow one holds the partitions back (readCommitted fails on a pending one)
                other.submit(spec.withJobId("quick"), DocumentSource.stream(new java.io.ByteArrayInputStream("quick\n".getBytes()), "stdin"));
                assertEquals(List.of("quick"), Topics4Test.readCommitted(kafka, f.topics().documents).stream().map(ConsumerRecord::key).toList());
            } finally {
                end.countDown(); // before the submitters close: closing waits for the submission
            }
            assertEquals("slow", submitted.get().jobId());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(20, Topics4Test.readCommitted(kafka, f.topics().documents).stream().filter(r -> r.key().equals("slow")).count());
    }

    /**
     * A gzip file whose content passes the limit (its size on disk does not bound it, so only the
     * upload finds out, chunks already sent): refused, its transaction aborted, nothing visible.
     */
    @Test
    void anInputOverTheLimitFoundWhileStreamingIsAborted(TestInfo test) throws IOException {
        Fixture f = fixture(test, 1024);
        Path big = gzip(text(20_000, 13), tmp.resolve("big.log.gz"));
        try (Submitter submitter = new Submitter(f.config().withMaxDocumentBytes(5000), f.registry())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> submitter.submit(
                    JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("summarize"))), DocumentSource.file(big)));
            assertTrue(e.getMessage().contains("5000"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> submitter.submit(
                    JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"))),
                    DocumentSource.stream(InputStream.nullInputStream(), "stdin")));
            // the aborted transaction ended: the next one is the only one readers see
            submitter.submit(JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"))).withJobId("next"),
                    DocumentSource.stream(new java.io.ByteArrayInputStream(text(100, 14)), "stdin"));
        }
        assertEquals(List.of("next"), Topics4Test.readCommitted(kafka, f.topics().documents).stream().map(ConsumerRecord::key).toList());
        assertEquals(List.of("next"), Topics4Test.readCommitted(kafka, f.topics().jobs).stream().map(ConsumerRecord::key).toList());
    }

    @Test
    void aStreamNeedingMoreChunksThanTheLimitIsRefusedOnceCopiedBeforeItsTransaction(TestInfo test) throws IOException {
        Fixture f = fixture(test, 1024);
        try (Submitter submitter = new Submitter(f.config().withMaxChunks(3), f.registry())) {
            byte[] text = "0123456789abcdef\n".repeat(200).getBytes(java.nio.charset.StandardCharsets.US_ASCII); // 3,400 bytes
            String name = "stdin-" + Long.toHexString(System.nanoTime()); // its copy's name begins with it
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> submitter.submit(
                    JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"))),
                    DocumentSource.stream(new java.io.ByteArrayInputStream(text), name)));
            // the up-front count, not the Chunker's refusal mid-upload
            assertTrue(e.getMessage().contains("needs 4 chunks of 1024 bytes, more than the limit of 3"), e.getMessage());
            try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("longhaul-" + name + "-")).toList(),
                        "the refused stream's copy is left behind");
            }
        }
    }

    @Test
    void checkRefusesWhatSubmitWouldBeforeAnyTransaction(@TempDir Path dir) throws IOException {
        JobSpec text = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        IngestConfig limits = IngestConfig.defaults("unused:9092").withMaxDocumentBytes(100);
        assertThrows(IllegalArgumentException.class, () -> Submitter.check(text, DocumentSource.file(empty), limits));
        assertThrows(IllegalArgumentException.class, () -> Submitter.check(text, DocumentSource.repository(dir), limits));
        Path big = Files.writeString(dir.resolve("big.txt"), "x".repeat(101));
        assertThrows(IllegalArgumentException.class, () -> Submitter.check(text, DocumentSource.file(big), limits));
        Path fine = Files.writeString(dir.resolve("fine.txt"), "a line of text\n");
        Submitter.check(text, DocumentSource.file(fine), limits);
    }

    /**
     * A tenant's client submits under the tenant's own ids only (TenantJobIds, which the pipeline's
     * gate requires): a given id without the prefix is refused before anything is written, a
     * generated one carries it; the operator's client takes any id.
     */
    @Test
    void aTenantsClientSubmitsOnlyUnderTheTenantsOwnIds(TestInfo test, @TempDir Path dir) throws IOException {
        JobSpec text = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        Path fine = Files.writeString(dir.resolve("fine.txt"), "a line of text\n");
        IngestConfig operator = IngestConfig.defaults("unused:9092");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Submitter.check(text.withJobId("contract-7"), DocumentSource.file(fine), operator.withTenant("acme")));
        assertTrue(e.getMessage().contains("begin with 'acme:'"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Submitter.check(text.withJobId("beta:contract-7"), DocumentSource.file(fine), operator.withTenant("acme")));
        Submitter.check(text.withJobId("acme:contract-7"), DocumentSource.file(fine), operator.withTenant("acme"));
        IllegalArgumentException high = assertThrows(IllegalArgumentException.class,
                () -> Submitter.check(text.withPriority(5), DocumentSource.file(fine), operator.withTenant("acme")));
        assertTrue(high.getMessage().contains("at most priority 0"), high.getMessage());
        Submitter.check(text.withPriority(-2), DocumentSource.file(fine), operator.withTenant("acme"));
        Submitter.check(text.withPriority(5), DocumentSource.file(fine), operator);
        Submitter.check(text.withJobId("contract-7"), DocumentSource.file(fine), operator);

        Fixture f = fixture(test, 4096);
        Topics acme = f.topics().forTenant("acme");
        Topics4Test.createAll(kafka, acme);
        try (Submitter submitter = new Submitter(f.config().withTenant("acme"), f.registry())) {
            assertThrows(IllegalArgumentException.class, () -> submitter.submit(text.withJobId("contract-7"), DocumentSource.file(fine)),
                    "submit checks the id too");
            Submission s = submitter.submit(text, DocumentSource.file(fine));
            assertTrue(s.jobId().startsWith("acme:") && s.jobId().length() == "acme:".length() + 26, s.jobId());
            JobIds.requireValid(s.jobId());
        }
        List<ConsumerRecord<String, JobRequest>> jobs = Topics4Test.readCommitted(kafka, acme.jobs);
        assertEquals(1, jobs.size(), "the refused id wrote nothing");
        assertTrue(jobs.get(0).key().startsWith("acme:"));
    }

    /** A namespace without the pipeline's topics (a typo): refused at once, naming the topics, creating none. */
    @Test
    void aNamespaceWithoutItsTopicsIsRefusedBeforeAnythingIsWritten() throws Exception {
        IngestConfig typo = IngestConfig.defaults(kafka.bootstrapServers()).withNamespace("longhual.");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Submitter(typo, new InMemorySchemaRegistry()));
        assertTrue(e.getMessage().contains("longhual.documents") && e.getMessage().contains("longhual.jobs")
                && e.getMessage().contains("namespace 'longhual.'"), e.getMessage());
        try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientConfig())) {
            assertTrue(admin.listTopics().names().get().stream().noneMatch(t -> t.startsWith("longhual.")), "no topic was created");
        }
    }

    @Test
    void checkCountsTheChunksOfFilesAndRepositoriesUpFront(@TempDir Path dir) throws IOException {
        // given chunks of 1 KiB and at most 10 of them
        IngestConfig config = IngestConfig.defaults("unused:9092").withChunkBytes(1024).withMaxChunks(10);
        JobSpec text = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        JobSpec repo = JobSpec.of(DocumentKind.REPO, List.of(JobSpec.parseTask("summarize")));
        // a file of exactly 10 chunks passes; one of 11 is refused before any transaction
        Path ten = Files.writeString(dir.resolve("ten.txt"), "x".repeat(10 * 1024));
        Submitter.check(text, DocumentSource.file(ten), config);
        Path eleven = Files.writeString(dir.resolve("eleven.txt"), "x".repeat(10 * 1024 + 1));
        IllegalArgumentException file = assertThrows(IllegalArgumentException.class,
                () -> Submitter.check(text, DocumentSource.file(eleven), config));
        assertTrue(file.getMessage().contains("needs 11 chunks"), file.getMessage());
        // a repository of 6 files of 1.5 KiB (each starts a chunk, so two each) is refused, though
        // its 6 files and 9 KiB are within the limits the walk checks
        Path tree = Files.createDirectories(dir.resolve("tree"));
        for (int i = 0; i < 6; i++) {
            Files.writeString(tree.resolve("f" + i + ".txt"), String.valueOf(i).repeat(1536));
        }
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> Submitter.check(repo, DocumentSource.repository(tree), config));
        assertTrue(many.getMessage().contains("needs 12 chunks"), many.getMessage());
        // a stream is copied by the check and its copy checked as a file is: refused before any
        // transaction too, so that `submit a.txt -` writes nothing when stdin is refused
        IllegalArgumentException stream = assertThrows(IllegalArgumentException.class, () -> Submitter.check(text,
                DocumentSource.stream(new java.io.ByteArrayInputStream("y".repeat(20 * 1024).getBytes()), "stdin"), config));
        assertTrue(stream.getMessage().contains("needs 20 chunks"), stream.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Submitter.check(text,
                DocumentSource.stream(new java.io.ByteArrayInputStream(new byte[0]), "stdin"), config), "an empty stdin");
    }

    @Test
    void aRepositorysChunksNameTheirFiles(TestInfo test) throws IOException {
        Fixture f = fixture(test, 8);
        Path root = tmp.resolve("repo");
        Files.createDirectories(root.resolve("src"));
        Files.writeString(root.resolve("README.md"), "hello, repository\n");
        Files.writeString(root.resolve("src/a.txt"), "abc");
        Files.writeString(root.resolve(".gitignore"), "*.bin\n");
        Files.write(root.resolve("x.bin"), new byte[] {1, 2, 3});
        JobSpec spec = JobSpec.of(DocumentKind.REPO, List.of(JobSpec.parseTask("summarize")));
        Submission submission;
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            assertThrows(IllegalArgumentException.class, () -> submitter.submit(spec.withKind(DocumentKind.TEXT), DocumentSource.repository(root)));
            submission = submitter.submit(spec, DocumentSource.repository(root));
        }
        List<ConsumerRecord<String, DocumentChunk>> chunks = Topics4Test.readCommitted(kafka, f.topics().documents);
        assertEquals(List.of(".gitignore", "README.md", "README.md", "README.md", "src/a.txt"),
                chunks.stream().map(r -> r.value().getPath()).toList());
        assertEquals(List.of(6, 8, 8, 2, 3), chunks.stream().map(r -> r.value().getData().remaining()).toList());
        assertEquals(5, submission.document().getChunkCount());
        assertEquals(DocumentSource.GIT_TREE, submission.document().getMediaType());
        assertEquals(List.of(), submission.skipped(), "x.bin is ignored by .gitignore, so not reported");
    }

    /** Counts up to {@code failAfter} bytes of text, then fails as a vanished disk would. */
    private static final class FailingStream extends InputStream {
        private final long failAfter;
        private long served;

        FailingStream(long failAfter) {
            this.failAfter = failAfter;
        }

        @Override
        public int read() throws IOException {
            if (served >= failAfter) {
                throw new IOException("disk gone");
            }
            served++;
            return 'a' + (int) (served % 26);
        }
    }
}
