/*
 * DecodeRounds on the shared tiny checkpoints: every round has all its figures, the ratios and the
 * bound fraction are computed from that round's own measurements, medians are the middle of the
 * rounds, and a run without a second checkpoint leaves its figure empty. No timing is asserted.
 */
package dev.longhaul.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodeRoundsTest {

    @Test
    void everyRoundCarriesItsOwnFiguresAndTheMediansAreTheMiddleRound() {
        List<String> progress = new ArrayList<>();
        DecodeRounds.Report report = DecodeRounds.run(new DecodeRounds.Options(SharedData.golden("minimax-tiny"),
                SharedData.golden("minimax-tiny-b"), 3, 7, 4, 3, "cpu", 2, 1), progress::add);
        assertEquals(3, report.rounds().size());
        assertTrue(report.soloStepBytes() > 0);
        assertEquals(3, report.batch());
        // three sequences touch more distinct experts than one
        assertTrue(report.batchStepBytes() > report.soloStepBytes(), report.toString());
        assertTrue(report.hostBound(), "the cpu backend streams from host memory");
        for (int i = 0; i < 3; i++) {
            DecodeRounds.Round r = report.rounds().get(i);
            assertEquals(i + 1, r.index());
            for (double v : new double[] {r.copyBandwidth(), r.readBandwidth(), r.soloTps(), r.batchTps(), r.otherTps()}) {
                assertTrue(v > 0 && Double.isFinite(v), r.toString());
            }
            assertEquals(r.batchTps() / r.soloTps(), r.batchRatio(), 1e-12);
            assertEquals(r.otherTps() / r.soloTps(), r.otherRatio(), 1e-12);
            assertEquals(r.soloTps() * report.soloStepBytes() / r.copyBandwidth(), report.fractionOfCopyBound(r), 1e-9);
            assertEquals(r.soloTps() * report.soloStepBytes() / r.readBandwidth(), report.soloFractionOfReadBound(r), 1e-9);
            assertEquals(r.batchTps() / 3 * report.batchStepBytes() / r.readBandwidth(), report.batchFractionOfReadBound(r), 1e-9);
            // the ratio at the read bound is the batch ratio scaled by how far the batch is from that bound
            assertEquals(r.batchRatio() / report.batchFractionOfReadBound(r), report.ratioAtReadBound(r), 1e-9);
        }
        double[] ratios = report.rounds().stream().mapToDouble(DecodeRounds.Round::batchRatio).sorted().toArray();
        assertEquals(ratios[1], report.median(DecodeRounds.Round::batchRatio));
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("round 3:")), progress.toString());
    }

    @Test
    void withoutASecondCheckpointItsFigureIsEmpty() {
        DecodeRounds.Report report = DecodeRounds.run(new DecodeRounds.Options(SharedData.golden("minimax-tiny"),
                null, 2, 5, 2, 1, "cpu", 1, 1), line -> { });
        assertTrue(Double.isNaN(report.rounds().getFirst().otherTps()));
        assertTrue(report.rounds().getFirst().batchTps() > 0);
    }

    @Test
    void batchOneIsNotAComparison() {
        assertThrows(IllegalArgumentException.class, () -> new DecodeRounds.Options(SharedData.golden("minimax-tiny"),
                null, 1, 5, 2, 1, "cpu", 1, 1));
    }
}
