/*
 * The one configuration of the log template miner, for every log format: Drain's tree shape and
 * similarity threshold, the header-learning sample, and the windows of the error-burst and
 * new-template reports. Immutable and validated; defaults() is the configuration the evaluation
 * reports numbers for.
 */
package dev.longhaul.pipeline.analyze.logs;

/**
 * @param prefixTokens        tokens after the length layer that route a line down the tree (Drain's depth - 2)
 * @param maxChildren         distinct words a tree node keeps before sending more to its <*> child
 * @param similarity          share of informative positions a line must share with its leaf's template
 * @param crossLeafSimilarity the stricter share required to join a template of another leaf
 * @param headerSampleLines   lines buffered at the start to learn where the header ends
 * @param burstWindowLines    lines per window when looking for error bursts
 * @param burstFactor         a window is a burst when its error lines exceed this many times the expected number
 * @param lateFraction        a template first seen after this share of the stream is reported as new
 * @param maxReported         cap on each reported list (bursts, new templates) so a result stays small
 */
public record LogTemplateConfig(
        int prefixTokens,
        int maxChildren,
        double similarity,
        double crossLeafSimilarity,
        int headerSampleLines,
        int burstWindowLines,
        double burstFactor,
        double lateFraction,
        int maxReported) {

    public LogTemplateConfig {
        if (prefixTokens < 0 || maxChildren < 2) {
            throw new IllegalArgumentException("prefixTokens >= 0 and maxChildren >= 2 required");
        }
        if (!(similarity > 0 && similarity <= 1) || !(crossLeafSimilarity > 0 && crossLeafSimilarity <= 1)) {
            throw new IllegalArgumentException("similarities must lie in (0, 1]");
        }
        if (headerSampleLines < 1 || burstWindowLines < 1 || maxReported < 0) {
            throw new IllegalArgumentException("headerSampleLines, burstWindowLines >= 1 and maxReported >= 0 required");
        }
        if (!(burstFactor > 1) || !(lateFraction > 0 && lateFraction < 1)) {
            throw new IllegalArgumentException("burstFactor > 1 and lateFraction in (0, 1) required");
        }
    }

    public static LogTemplateConfig defaults() {
        return new LogTemplateConfig(2, 100, 0.7, 0.9, 200, 100, 3.0, 0.5, 20);
    }
}
