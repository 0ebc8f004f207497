/*
 * One extracted value and the text that supports it. The value is canonical text: a date as
 * ContractDate prints it ("2000-03-31", "2018-09-XX") or "perpetual"; a length as TermLength prints
 * it ("successive 1 year", "60 days"); a jurisdiction as written ("New York", "England and Wales").
 */
package dev.longhaul.pipeline.analyze.contracts;

public record Finding(String value, Span span) {
    public static final String PERPETUAL = "perpetual";
}
