/*
 * One result as every sink sees it: a Summary or an Extraction flattened into a single shape, so
 * the destinations share one mapping. Contract: (jobId, taskIndex, submissionId) identifies the
 * result; the task index numbers the JobRequest's tasks, so it is unique within a job across both
 * kinds, and the submission tells two lives of one job id apart (the planner plans an id again once
 * it has forgotten it): it is the idempotency key every sink writes by. Every sink keeps the summary's extractive digest and
 * the extraction's analyzer facts: with a model of random weights they are the part that means
 * something.
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
        List<ProvenanceSpan> spans, String digest, String analysis, long producedAt) {

    /** Which topic the result came from; named as it appears in files ("summary", "extraction"). */
    public enum Kind {
        SUMMARY, EXTRACTION;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The idempotency key: one result per task of a job's submission ("" for results written before submissions were named). */
    public record Key(String jobId, int taskIndex, String submissionId) {
        public Key {
            Objects.requireNonNull(jobId, "jobId");
            submissionId = submissionId == null ? "" : submissionId;
        }
    }

    public SinkResult {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(content, "content");
        spans = List.copyOf(spans);
        digest = digest == null ? "" : digest;
        analysis = analysis == null || analysis.isEmpty() ? "{}" : analysis;
    }

    /**
     * content is the summary text (the model's); digest the extractive digest beside it (sentences
     * of the document, ranked by the sentence encoder). analysis is "{}".
     */
    public static SinkResult of(Summary s) {
        return new SinkResult(Kind.SUMMARY, new Key(s.getJobId(), s.getTaskIndex(), s.getSubmissionId()), s.getText(), s.getUsage(),
                s.getTimings(), s.getModel(), List.of(), s.getDigest(), "{}", 0);
    }

    /**
     * content is the extracted object as JSON text (the model's); analysis the analyzer's facts as
     * JSON text, which the spans point into. digest is "".
     */
    public static SinkResult of(Extraction e) {
        return new SinkResult(Kind.EXTRACTION, new Key(e.getJobId(), e.getTaskIndex(), e.getSubmissionId()), e.getJson(), e.getUsage(),
                e.getTimings(), e.getModel(), e.getSpans(), "", e.getAnalysis(), 0);
    }

    /**
     * The same result, produced at `millis` (its record's Kafka timestamp; 0 where unknown): what
     * tells a later life of a job id from an earlier one where a destination keeps one row per task
     * (PostgresSink), whatever order the two arrive in.
     */
    public SinkResult withProducedAt(long millis) {
        return new SinkResult(kind, key, content, usage, timings, model, spans, digest, analysis, millis);
    }
}
