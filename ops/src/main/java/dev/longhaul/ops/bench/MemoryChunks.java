/*
 * Documents cut into chunks as ingest cuts them, served from memory by job id, with a WorkOrder
 * for each: what the benchmarks feed EngineAlone, so that no timed round reads Kafka or disk.
 */
package dev.longhaul.ops.bench;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.pipeline.worker.ChunkSource;
import dev.longhaul.schemas.ChunkLocations;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.WorkOrder;

final class MemoryChunks implements ChunkSource {
    private final int chunkBytes;
    private final Map<String, List<DocumentChunk>> byJob = new HashMap<>();

    MemoryChunks(int chunkBytes) {
        this.chunkBytes = chunkBytes;
    }

    /** Chunks the text and returns an order for it; positions stay empty, memory needs none. */
    WorkOrder put(String jobId, DocumentKind kind, byte[] text, List<Task> tasks) {
        List<DocumentChunk> chunks = new ArrayList<>();
        for (int from = 0, index = 0; from < text.length; from += chunkBytes, index++) {
            int to = Math.min(text.length, from + chunkBytes);
            // A copy per chunk: the runner reads the buffer's whole backing array.
            chunks.add(DocumentChunk.newBuilder().setJobId(jobId).setIndex(index)
                    .setData(ByteBuffer.wrap(Arrays.copyOfRange(text, from, to))).setIsLast(to == text.length)
                    .setPath(null).setSubmissionId("memory").build());
        }
        byJob.put(jobId, chunks);
        Instant now = Instant.now();
        JobRequest request = JobRequest.newBuilder().setJobId(jobId).setTenant(PipelineBench.TENANT).setKind(kind).setTasks(tasks)
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(chunks.size()).setBytes(text.length)
                        .setSha256(sha256(text)).setMediaType(DocumentSource.TEXT).setEncoding(null).build())
                .setMetadata(Map.of()).setSubmittedAt(now).setSubmissionId("memory").build();
        return WorkOrder.newBuilder().setRequest(request).setLane(0)
                .setChunks(ChunkLocations.newBuilder().setTopic("memory").setPartition(0).setFirstOffset(0)
                        .setLastOffset(chunks.size() - 1).setPositions(List.of()).build())
                .setEstimatedCostTokens(0).setSoftmaxCostShare(0).setPlannedAt(now).build();
    }

    void clear() {
        byJob.clear();
    }

    @Override
    public boolean read(WorkOrder order, ChunkSink sink) {
        for (DocumentChunk chunk : byJob.get(order.getRequest().getJobId())) {
            if (!sink.accept(chunk)) {
                return false;
            }
        }
        return true;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
