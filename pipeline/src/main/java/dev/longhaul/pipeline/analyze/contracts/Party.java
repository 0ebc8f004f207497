/*
 * One contracting party: its name as the preamble gives it ("Airspan Networks Incorporated"), the
 * defined term the contract then calls it by ("Airspan"; null when none is given), and the span of
 * the name in the text.
 */
package dev.longhaul.pipeline.analyze.contracts;

public record Party(String name, String alias, Span span) {}
