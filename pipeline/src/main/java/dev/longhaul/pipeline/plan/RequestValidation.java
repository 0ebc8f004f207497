/*
 * The checks a JobRequest must pass before the planner waits for its chunks: kind allowed, tenant
 * named, tasks present and well-formed, descriptor consistent and within the limits, and the job's
 * own estimated cost within its tenant's quota (a job that alone exceeds the quota could never be
 * dispatched), an extraction schema within ExtractionSchemas' limits (INVALID_SCHEMA), no content
 * coding (the pipeline never decompresses), strings and lists of bounded length. Returns the first failure. Note that a kind symbol this reader does not know already
 * reads as TEXT (the schema's enum default); UNKNOWN_KIND is for kinds the configuration disallows.
 */
package dev.longhaul.pipeline.plan;

import java.util.List;
import java.util.Optional;

import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.RequestLimits;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.wire.DeadLetterReason;

final class RequestValidation {
    /** The largest chunk DocumentChunk's contract allows. */
    static final int MAX_CHUNK_BYTES = 512 * 1024;
    private RequestValidation() {}

    static Optional<Rejection> check(JobRequest request, String key, PipelineConfig config) {
        PipelineConfig.Limits limits = config.limits();
        if (!key.equals(request.getJobId())) {
            return reject(DeadLetterReason.INVALID_REQUEST, "key " + key + " differs from jobId " + request.getJobId());
        }
        // the request's own bounds (RequestLimits) are the client library's too, which checks them first
        if (!RequestLimits.tenantIsValid(request.getTenant())) {
            return reject(DeadLetterReason.INVALID_REQUEST, "tenant must have 1 to " + RequestLimits.MAX_TENANT_CHARS + " characters");
        }
        if (request.getKind() == DocumentKind.UNKNOWN) {
            return reject(DeadLetterReason.UNKNOWN_KIND, "the writer's kind is not one this pipeline knows (read as UNKNOWN)");
        }
        if (!limits.allowedKinds().contains(request.getKind())) {
            return reject(DeadLetterReason.UNKNOWN_KIND, "kind " + request.getKind() + " is not one of " + limits.allowedKinds());
        }
        Optional<Rejection> tasks = checkTasks(request.getTasks());
        if (tasks.isPresent()) {
            return tasks;
        }
        DocumentDescriptor doc = request.getDocument();
        if (doc.getBytes() > limits.maxDocumentBytes() || doc.getChunkCount() > limits.maxChunks()) {
            return reject(DeadLetterReason.OVERSIZE_DOCUMENT, doc.getBytes() + " bytes in " + doc.getChunkCount()
                    + " chunks exceeds the limit of " + limits.maxDocumentBytes() + " bytes in " + limits.maxChunks() + " chunks");
        }
        if (doc.getChunkCount() < 1 || doc.getBytes() < 0 || doc.getBytes() > (long) doc.getChunkCount() * MAX_CHUNK_BYTES) {
            return reject(DeadLetterReason.INVALID_REQUEST, doc.getBytes() + " bytes cannot be " + doc.getChunkCount() + " chunks");
        }
        if (!doc.getSha256().matches("[0-9a-f]{64}")) {
            return reject(DeadLetterReason.INVALID_REQUEST, "sha256 is not 64 lowercase hex digits");
        }
        // Chunks carry the document's bytes as read (ingest decompresses), so the pipeline never
        // inflates anything and no decompression bomb can reach it.
        if (doc.getEncoding() != null && !doc.getEncoding().equals("identity")) {
            return reject(DeadLetterReason.INVALID_REQUEST, "content coding " + RecordLimits.shortened(doc.getEncoding())
                    + " is not accepted: chunks carry the decoded bytes");
        }
        long cost = WorkCost.estimate(config.cost(), doc.getBytes(), request.getTasks().size()).costTokens();
        long quota = limits.tenants().maxOutstandingTokens(request.getTenant());
        if (cost > quota) {
            return reject(DeadLetterReason.TENANT_QUOTA, "estimated cost " + cost + " tokens exceeds tenant "
                    + request.getTenant() + "'s quota of " + quota);
        }
        return Optional.empty();
    }

    private static Optional<Rejection> checkTasks(List<Task> tasks) {
        if (tasks.isEmpty() || tasks.size() > RequestLimits.MAX_TASKS) {
            return reject(DeadLetterReason.INVALID_REQUEST, "a job needs 1 to " + RequestLimits.MAX_TASKS + " tasks, has " + tasks.size());
        }
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            boolean hasFields = !task.getFields().isEmpty();
            boolean hasSchema = task.getJsonSchema() != null;
            if (task.getType() == TaskType.SUMMARIZE && (hasFields || hasSchema)) {
                return reject(DeadLetterReason.INVALID_REQUEST, "task " + i + ": SUMMARIZE takes no fields or schema");
            }
            if (task.getType() == TaskType.EXTRACT) {
                if (hasFields == hasSchema) {
                    return reject(DeadLetterReason.INVALID_REQUEST, "task " + i + ": EXTRACT needs either fields or a jsonSchema");
                }
                Optional<String> fields = RequestLimits.fieldsProblem(task.getFields());
                if (fields.isPresent()) {
                    return reject(DeadLetterReason.INVALID_REQUEST, "task " + i + ": " + fields.get());
                }
                if (hasSchema && task.getJsonSchema().isBlank()) {
                    return reject(DeadLetterReason.INVALID_REQUEST, "task " + i + ": jsonSchema is blank");
                }
                Optional<String> schema = hasSchema ? ExtractionSchemas.problem(task.getJsonSchema()) : Optional.empty();
                if (schema.isPresent()) {
                    return reject(DeadLetterReason.INVALID_SCHEMA, "task " + i + ": " + schema.get());
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Rejection> reject(DeadLetterReason reason, String detail) {
        return Optional.of(new Rejection(reason, detail));
    }
}
