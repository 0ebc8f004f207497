/*
 * What the analyzers know about a sentence, as a salience boost in [0, 1] added to the encoder's
 * centrality (weighted by Salience.BOOST): rare log templates and error bursts, key contract
 * clauses, repository facts. The digest only asks; analyzers decide. byOffset() is the minimal
 * wiring: a map from a sentence's start offset to its boost, every other sentence 0.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.Map;

@FunctionalInterface
public interface Signals {
    /** The sentence's boost, clamped by the digest to [0, 1]. */
    double boost(Sentence sentence);

    static Signals none() {
        return s -> 0;
    }

    static Signals byOffset(Map<Long, Double> boosts) {
        Map<Long, Double> copy = Map.copyOf(boosts);
        return s -> copy.getOrDefault(s.offset(), 0.0);
    }
}
