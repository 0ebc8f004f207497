/*
 * One result as every sink sees it: a Summary or an Extraction flattened into a single shape, so
 * the destinations share one mapping. Contract: (jobId, taskIndex) identifies the result; the task
 * index numbers the JobRequest's tasks, so it is unique within a job across both kinds, and it is
 * the idempotency key every sink writes by.
 */
package dev.longhaul.sinks;

import java.util.List;
import java.util.Objects;

import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.ProvenanceSpan;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Usage;

public record SinkResult(Kind kind, Key key, String content, Usage usage, Timings timings, ModelIdentity model,
        List<ProvenanceSpan> spans) {

    /** Which topic the result came from; named as it appears in files ("summary", "extraction"). */
    public enum Kind {
        SUMMARY, EXTRACTION;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The idempotency key: one result per task of a job. */
    public record Key(String jobId, int taskIndex) {
        public Key {
            Objects.requireNonNull(jobId, "jobId");
        }
    }

    public SinkResult {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(content, "content");
        spans = List.copyOf(spans);
    }

    /** content is the summary text. */
    public static SinkResult of(Summary s) {
        return new SinkResult(Kind.SUMMARY, new Key(s.getJobId(), s.getTaskIndex()), s.getText(), s.getUsage(),
                s.getTimings(), s.getModel(), List.of());
    }

    /** content is the extracted object as JSON text. */
    public static SinkResult of(Extraction e) {
        return new SinkResult(Kind.EXTRACTION, new Key(e.getJobId(), e.getTaskIndex()), e.getJson(), e.getUsage(),
                e.getTimings(), e.getModel(), e.getSpans());
    }
}
