/*
 * Decode ratios measured side by side, for machines whose speed drifts from one minute to the
 * next: in one process, rounds that each measure the copy bandwidth and then time batch-1 decode,
 * batch-B decode and (optionally) batch-1 decode of a second checkpoint (e.g. the same weights in
 * bf16) back to back, every sequence continuing the same prefilled prompt (a snapshot taken once),
 * so each round's ratios compare runs seconds apart on identical work. Rounds 2, 4, ... run the three in
 * reverse order, so that a drift inside a round favours neither side. The report keeps every
 * round's figures and the median of each ratio. The copy bandwidth is the host's: the bound it
 * gives is the CPU backends' (a GPU's is `bench engine --backend cuda`'s device copy bandwidth).
 *
 * Each round also measures the host's read bandwidth over a buffer far larger than the caches,
 * and reports each decode against it: a batch-B step reads nearly every expert of every layer
 * (more bytes than the last-level cache holds), a batch-1 step a quarter of them, whose hot part
 * (attention, lm_head) the cache may keep between tokens. The batch's best ratio at that read
 * bandwidth, B · read / batch step bytes ÷ batch-1 tokens/s, says how far the batch ratio could go
 * on this machine with a perfect kernel.
 */
package dev.longhaul.engine.bench;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;
import dev.longhaul.engine.generate.Sampler;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

public final class DecodeRounds {
    /** What to run; `other` may be null (no second checkpoint), `backend` null for the configured one. */
    public record Options(Path model, Path other, int batch, int promptTokens, int generate, int rounds,
                          String backend, int threads, long seed) {
        public Options {
            if (batch < 2 || promptTokens < 1 || generate < 1 || rounds < 1 || threads < 1) {
                throw new IllegalArgumentException("batch must be >= 2; prompt-tokens, generate, rounds and threads >= 1");
            }
        }
    }

    /**
     * One round: copy bandwidth (bytes/s) measured at its start, and decode tokens/s of batch 1,
     * batch B and the other checkpoint at batch 1 (NaN without one).
     */
    public record Round(int index, double copyBandwidth, double readBandwidth, double soloTps, double batchTps, double otherTps) {
        public double batchRatio() {
            return batchTps / soloTps;
        }

        public double otherRatio() {
            return otherTps / soloTps;
        }
    }

    /**
     * The backend's name, the rounds, the batch size, and the weight bytes one batch-1 and one
     * batch-B decode step stream (for the bandwidth bounds).
     */
    public record Report(String backend, List<Round> rounds, int batch, long soloStepBytes, long batchStepBytes) {
        /** Whether the host's copy bandwidth bounds this backend's decode (a CPU backend). */
        public boolean hostBound() {
            return backend.equals("cpu") || backend.equals("scalar");
        }

        /** Batch-1 tokens/s as a fraction of host copy bandwidth / weight bytes per token, in `round`. */
        public double fractionOfCopyBound(Round round) {
            return round.soloTps() / (round.copyBandwidth() / soloStepBytes);
        }

        /** Batch-1 weight bytes read per second, as a fraction of the host read bandwidth, in `round` (above 1: the cache served part). */
        public double soloFractionOfReadBound(Round round) {
            return round.soloTps() * soloStepBytes / round.readBandwidth();
        }

        /** Batch-B weight bytes read per second, as a fraction of the host read bandwidth, in `round`. */
        public double batchFractionOfReadBound(Round round) {
            return round.batchTps() / batch * batchStepBytes / round.readBandwidth();
        }

        /** The batch ratio `round` would show if the batch's steps read their weights at the host read bandwidth. */
        public double ratioAtReadBound(Round round) {
            return batch * round.readBandwidth() / batchStepBytes / round.soloTps();
        }

        public double median(ToDoubleFunction<Round> figure) {
            double[] v = rounds.stream().mapToDouble(figure).sorted().toArray();
            int n = v.length;
            return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        }
    }

    /** A model with its prompt prefilled into `count` sequences, kept as snapshots to continue from. */
    private record Prepared(MiniMaxModel model, List<SequenceState> prompts, int[] firstTokens, Workspace decode) {
        static Prepared of(MiniMaxModel model, int count, int promptTokens, long seed) {
            int chunk = Math.min(512, promptTokens);
            Workspace prefill = model.workspace(chunk, 1);
            SplittableRandom rnd = new SplittableRandom(seed);
            List<SequenceState> prompts = new ArrayList<>();
            int[] first = new int[count];
            for (int s = 0; s < count; s++) {
                SequenceState state = model.newSequence();
                float[] last = null;
                for (int done = 0; done < promptTokens; done += chunk) {
                    int n = Math.min(chunk, promptTokens - done);
                    int[] ids = new int[n];
                    for (int i = 0; i < n; i++) {
                        ids[i] = rnd.nextInt(model.config().vocabSize());
                    }
                    Segment.Logits logits = done + n == promptTokens ? Segment.Logits.LAST : Segment.Logits.NONE;
                    List<float[][]> out = model.forward(List.of(new Segment(state, ids, 0, n, logits)), prefill);
                    if (logits == Segment.Logits.LAST) {
                        last = out.get(0)[0];
                    }
                }
                prompts.add(state);
                first[s] = Sampler.argmax(last);
            }
            return new Prepared(model, prompts, first, model.workspace(count, count));
        }

        /** Greedy decode of `steps` tokens for the first `count` prompts (continuing copies); tokens/s. */
        double decode(int count, int steps) {
            List<SequenceState> states = new ArrayList<>(count);
            int[][] next = new int[count][];
            for (int s = 0; s < count; s++) {
                states.add(prompts.get(s).snapshot());
                next[s] = new int[] {firstTokens[s]};
            }
            long t0 = System.nanoTime();
            EngineBench.greedyDecode(model, decode, states, next, steps);
            return (double) count * steps / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private DecodeRounds() {
    }

    public static Report run(Options o, Consumer<String> progress) {
        try (Backend backend = BackendProvider.open(o.backend(), o.threads());
             MiniMaxModel model = MiniMaxModel.load(o.model(), backend, MiniMaxModel.RopeMode.PARTIAL);
             MiniMaxModel other = o.other() == null ? null : MiniMaxModel.load(o.other(), backend, MiniMaxModel.RopeMode.PARTIAL)) {
            progress.accept("prefilling " + o.batch() + " prompts of " + o.promptTokens() + " tokens");
            Prepared main = Prepared.of(model, o.batch(), o.promptTokens(), o.seed());
            Prepared second = other == null ? null : Prepared.of(other, 1, o.promptTokens(), o.seed());
            // decode reaches its compiled speed after a few hundred steps here; a batch-1 step does a
            // sixteenth of a batch-16 step's work, so it gets more steps, lest it be timed still cold
            progress.accept("warming up");
            main.decode(1, 400);
            main.decode(o.batch(), 160);
            if (second != null) {
                second.decode(1, 400);
            }
            List<Round> rounds = new ArrayList<>();
            for (int r = 0; r < o.rounds(); r++) {
                double copy = MachineCeilings.copyBandwidth(o.threads(), 1L << 29);
                double read = MachineCeilings.readBandwidth(o.threads(), 1L << 30);
                double[] tps = new double[3];
                Arrays.fill(tps, Double.NaN);
                int[] order = r % 2 == 0 ? new int[] {0, 1, 2} : new int[] {2, 1, 0};
                for (int which : order) {
                    switch (which) {
                        case 0 -> tps[0] = main.decode(1, o.generate());
                        case 1 -> tps[1] = main.decode(o.batch(), o.generate());
                        default -> {
                            if (second != null) {
                                tps[2] = second.decode(1, o.generate());
                            }
                        }
                    }
                }
                Round round = new Round(r + 1, copy, read, tps[0], tps[1], tps[2]);
                rounds.add(round);
                progress.accept(String.format("round %d: copy %.1f GB/s, read %.1f GB/s, batch 1 %.1f tok/s, batch %d %.1f tok/s%s",
                        round.index(), copy / 1e9, read / 1e9, round.soloTps(), o.batch(), round.batchTps(),
                        second == null ? "" : String.format(", other %.1f tok/s", round.otherTps())));
            }
            return new Report(backend.name(), rounds, o.batch(), EngineBench.decodeWeightBytes(model, 1),
                    EngineBench.decodeWeightBytes(model, o.batch()));
        }
    }
}
