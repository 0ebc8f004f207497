/*
 * One builder-made instance of every topic record, with every optional field set, so round trips
 * and evolution tests exercise unions, logical types, arrays, maps and bytes. Fixed values: the
 * instances are equal on every call.
 */
package dev.longhaul.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

final class SampleRecords {
    static final Instant T0 = Instant.ofEpochMilli(1_767_225_600_123L); // 2026-01-01T00:00:00.123Z

    private SampleRecords() {}

    /** Every topic's value record, in ARCHITECTURE.md's topic order. */
    static List<SpecificRecord> all() {
        return List.of(jobRequest(), documentChunk(), workOrder(), jobStatus(), summary(), extraction(),
                control(), workerHeartbeat(), deadLetter());
    }

    static JobRequest jobRequest() {
        return JobRequest.newBuilder()
                .setJobId("job-0001")
                .setTenant("acme")
                .setKind(DocumentKind.CONTRACT)
                .setTasks(List.of(
                        Task.newBuilder().setType(TaskType.SUMMARIZE).build(),
                        Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("parties", "term")).build(),
                        Task.newBuilder().setType(TaskType.EXTRACT)
                                .setJsonSchema("{\"type\":\"object\",\"required\":[\"governingLaw\"]}").build()))
                .setPriority(5)
                .setDeadline(T0.plusSeconds(3600))
                .setDocument(DocumentDescriptor.newBuilder()
                        .setChunkCount(3)
                        .setBytes(1_200_000L)
                        .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
                        .setMediaType("application/pdf")
                        .setEncoding("gzip")
                        .build())
                .setMetadata(Map.of("file", "msa.pdf", "source", "upload"))
                .setSubmittedAt(T0)
                .build();
    }

    static DocumentChunk documentChunk() {
        return DocumentChunk.newBuilder()
                .setJobId("job-0001")
                .setIndex(2)
                .setData(ByteBuffer.wrap("fn main() {}\n".getBytes(StandardCharsets.UTF_8)))
                .setIsLast(true)
                .setPath("src/main.rs")
                .build();
    }

    static WorkOrder workOrder() {
        return WorkOrder.newBuilder()
                .setRequest(jobRequest())
                .setLane(3)
                .setChunks(ChunkLocations.newBuilder()
                        .setTopic("longhaul.documents")
                        .setPartition(7)
                        .setFirstOffset(1000L)
                        .setLastOffset(1010L)
                        .setPositions(List.of(
                                ChunkPosition.newBuilder().setPartition(7).setOffset(1000L).build(),
                                ChunkPosition.newBuilder().setPartition(7).setOffset(1004L).build(),
                                ChunkPosition.newBuilder().setPartition(7).setOffset(1010L).build()))
                        .build())
                .setEstimatedCostTokens(310_000L)
                .setSoftmaxCostShare(0.125)
                .setPlannedAt(T0.plusMillis(250))
                .build();
    }

    static JobStatus jobStatus() {
        return JobStatus.newBuilder()
                .setJobId("job-0001")
                .setTenant("acme")
                .setState(JobState.FAILED)
                .setProgress(0.5)
                .setTokensProcessed(150_000L)
                .setReason("worker lost its engine")
                .setUpdatedAt(T0.plusSeconds(60))
                .build();
    }

    static Summary summary() {
        return Summary.newBuilder()
                .setJobId("job-0001")
                .setTaskIndex(0)
                .setText("A master services agreement between Acme and Initech.")
                .setDigest("This Agreement is made between Acme Corp. and Initech LLC.")
                .setUsage(usage())
                .setTimings(timings())
                .setModel(model())
                .build();
    }

    static Extraction extraction() {
        return Extraction.newBuilder()
                .setJobId("job-0001")
                .setTaskIndex(1)
                .setJson("{\"parties\":[\"Acme\",\"Initech\"],\"term\":\"3 years\"}")
                .setUsage(usage())
                .setTimings(timings())
                .setModel(model())
                .setSpans(List.of(
                        ProvenanceSpan.newBuilder().setStart(120L).setEnd(164L).setLabel("parties").build(),
                        ProvenanceSpan.newBuilder().setStart(9000L).setEnd(9032L).setLabel("term").build()))
                .setAnalysis("{\"analyzer\":\"contracts\",\"facts\":{\"parties\":[]}}")
                .build();
    }

    static Control control() {
        return Control.newBuilder()
                .setJobId("job-0001")
                .setAction(ControlAction.SET_PRIORITY)
                .setPriority(9)
                .setRequestedAt(T0.plusSeconds(5))
                .build();
    }

    static WorkerHeartbeat workerHeartbeat() {
        return WorkerHeartbeat.newBuilder()
                .setWorkerId("worker-a")
                .setBackend("cuda")
                .setLanes(List.of(0, 3))
                .setCapacityTokensPerSecond(12_500.5)
                .setOutstandingCostTokens(620_000L)
                .setAt(T0.plusSeconds(1))
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setOriginalTopic("longhaul.jobs")
                .setPartition(1)
                .setOffset(42L)
                .setKey(ByteBuffer.wrap("job-0002".getBytes(StandardCharsets.UTF_8)))
                .setValue(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}))
                .setReasonCode("BAD_MAGIC")
                .setDetail("first byte 1, expected 0")
                .setAt(T0.plusSeconds(2))
                .build();
    }

    private static Usage usage() {
        return Usage.newBuilder()
                .setPromptTokens(300_512L)
                .setOutputTokens(240L)
                .setDocumentTokens(300_000L)
                .setDocumentShareRead(0.75)
                .build();
    }

    private static Timings timings() {
        return Timings.newBuilder().setQueuedMs(1_500L).setRunningMs(42_000L).setEndToEndMs(43_600L).build();
    }

    private static ModelIdentity model() {
        return ModelIdentity.newBuilder().setName("minimax-tiny").setBackend("cpu").setWeightsDtype("bf16").build();
    }
}
