/*
 * Limits on the raw records the planner reads, checked before decoding so that a hostile client
 * bypassing the ingest library cannot make the pipeline hold, store or re-emit more than a Kafka
 * record: a request (which the planner keeps in its store and copies into the WorkOrder) at most
 * MAX_REQUEST_BYTES, a chunk record at most a 512 KiB chunk plus MAX_CHUNK_OVERHEAD_BYTES of
 * framing, a control record at most MAX_CONTROL_BYTES. And the repository path a chunk names must
 * stay inside the submitted root: relative, '/'-separated, no '.' or '..' segment, no control
 * characters, at most MAX_PATH_CHARS (the worker prints it into the prompt as the file's header).
 */
package dev.longhaul.pipeline.plan;

import java.util.Optional;

import dev.longhaul.schemas.DocumentPaths;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.WireFormatException;

public final class RecordLimits {
    public static final int MAX_REQUEST_BYTES = 256 * 1024;
    public static final int MAX_CHUNK_OVERHEAD_BYTES = 8 * 1024;
    public static final int MAX_CONTROL_BYTES = 4 * 1024;
    public static final int MAX_PATH_CHARS = DocumentPaths.MAX_CHARS;

    private RecordLimits() {}

    /** Refuses a value larger than its topic takes, with OVERSIZE_RECORD. */
    public static void checkSize(String topic, int bytes, Topics topics) {
        int max = topic.equals(topics.jobs.name()) ? MAX_REQUEST_BYTES
                : topic.equals(topics.documents.name()) ? RequestValidation.MAX_CHUNK_BYTES + MAX_CHUNK_OVERHEAD_BYTES
                : MAX_CONTROL_BYTES;
        if (bytes > max) {
            throw new WireFormatException(DeadLetterReason.OVERSIZE_RECORD,
                    "a " + bytes + "-byte record on " + topic + " is larger than the " + max + " bytes it takes");
        }
    }

    /** Why a chunk's repository path is refused (DocumentPaths, the rule the ingest client applies too). */
    public static Optional<String> pathProblem(String path) {
        return DocumentPaths.problem(path);
    }

    /** A client's string as it may appear in a message: at most 80 characters. */
    static String shortened(String s) {
        return DocumentPaths.shortened(s);
    }
}
