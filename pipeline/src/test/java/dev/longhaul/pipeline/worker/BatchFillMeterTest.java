/*
 * BatchFillMeter's windows: given the engine's counters, each window holds
 * the mean sequences and tokens per step since the previous one, over the batch's slots and token
 * budget; a window without steps is empty (fill 0), and counts never leak into the next window.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicReference;

import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.batch.BatchStats;
import org.junit.jupiter.api.Test;

class BatchFillMeterTest {
    private static final BatchConfig CONFIG = new BatchConfig(19, 16, 4);

    @Test
    void eachWindowAveragesItsOwnSteps() {
        AtomicReference<BatchStats> engine = new AtomicReference<>(BatchStats.EMPTY);
        BatchFillMeter meter = new BatchFillMeter(CONFIG, engine::get);
        // given two document chunks of 16 tokens fed on one sequence
        engine.set(stats(2, 2, 32, 0));
        // then the first window is two steps of one sequence, 16 tokens each
        BatchFill first = meter.window();
        assertEquals(2, first.steps());
        assertEquals(0.25, first.sequenceFill(), 1e-12);
        assertEquals(16.0 / 19, first.tokenFill(), 1e-12);
        // given the engine then ran 4 steps of 4 sequences: 10 instruction tokens and 12 decodes
        engine.set(stats(6, 18, 42, 12));
        BatchFill second = meter.window();
        assertEquals(4, second.steps());
        assertEquals(4.0, second.sequencesPerStep(), 1e-12);
        assertEquals(1.0, second.sequenceFill(), 1e-12);
        assertEquals(22.0 / 4, second.tokensPerStep(), 1e-12);
        assertEquals(22.0 / 4 / 19, second.tokenFill(), 1e-12);
        // when nothing ran, the window is empty but still names the capacity
        BatchFill idle = meter.window();
        assertEquals(new BatchFill(0, 0, 4, 0, 19), idle);
        assertEquals(0.0, idle.sequenceFill());
    }

    private static BatchStats stats(long steps, long segments, long prefilled, long decoded) {
        return new BatchStats(steps, 0, segments, new BatchStats.Tokens(prefilled, decoded, steps * CONFIG.maxTokensPerStep()),
                new BatchStats.Sequences(0, 0, 0, 0));
    }
}
