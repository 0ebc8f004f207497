/*
 * Every prompt the worker gives the model, in one place: a preamble per document kind (fed before
 * the document), and an instruction per task (fed on a branch of the document's state, after it).
 * The document is prefilled once; each task only adds its instruction and decodes. Extraction
 * instructions ask for JSON: the decoding itself is constrained to the schema (OrderRunner).
 * Public so that a test or a remote deployment can reproduce exactly what a worker asks (the
 * remote backend sends preamble + document + instruction as one prompt, see RemoteEngine).
 */
package dev.longhaul.pipeline.worker;

import java.util.List;

import dev.longhaul.schemas.DocumentKind;

public final class Prompts {
    /** Between passages of a document the model reads only in part. */
    static final String ELISION = "\n[...]\n";

    private Prompts() {
    }

    public static String preamble(DocumentKind kind) {
        return switch (kind) {
            case CONTRACT -> "The following is a legal contract.\n\n";
            case LOG -> "The following is a system log.\n\n";
            case REPO -> "The following are files of a source code repository.\n\n";
            case TEXT -> "The following is a document.\n\n";
            case UNKNOWN -> throw unknown();
        };
    }

    public static String summarize(DocumentKind kind) {
        return switch (kind) {
            case CONTRACT -> "\n\nSummarize the contract in plain English: parties, obligations, term, payment and termination.\nSummary:";
            case LOG -> "\n\nSummarize the log: what ran, what failed, and when.\nSummary:";
            case REPO -> "\n\nSummarize the repository: its purpose, main modules and how they fit together.\nSummary:";
            case TEXT -> "\n\nSummarize the document.\nSummary:";
            case UNKNOWN -> throw unknown();
        };
    }

    /** The planner refuses UNKNOWN (a newer writer's kind) with UNKNOWN_KIND; no order carries it. */
    private static IllegalArgumentException unknown() {
        return new IllegalArgumentException("a job of kind UNKNOWN reached a worker; the planner refuses those");
    }

    /** The instruction extracting named fields; the answer is decoded as one JSON object of strings. */
    public static String extractFields(List<String> fields) {
        return "\n\nFrom the document above, extract the following fields as one JSON object with a string"
                + " value per field: " + String.join(", ", fields) + ".\nJSON:";
    }

    /** The instruction extracting a JSON object that conforms to the task's JSON Schema. */
    public static String extractSchema(String schema) {
        return "\n\nFrom the document above, extract one JSON object that conforms to this JSON Schema:\n"
                + schema + "\nJSON:";
    }

    /** Header fed before each file of a repository. */
    public static String fileHeader(String path) {
        return "\n=== " + path + " ===\n";
    }
}
