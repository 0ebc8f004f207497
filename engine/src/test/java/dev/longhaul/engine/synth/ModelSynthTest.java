/*
 * ModelSynth writes loadable MiniMax checkpoints: the xs model runs through the scalar backend with
 * finite, spread logits over a few hundred tokens; equal specs give byte-identical folders; MoE
 * layout and sharding change names and files but not one logit; BF16 is exactly the F32 model
 * rounded, and close to F32 except where rounding flips a top-2 routing choice; linearOnly has no
 * softmax layer. (The `s` model is synthesized and run by `longhaul demo`, which CI runs.)
 */
package dev.longhaul.engine.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.checkpoint.Checkpoint;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.checkpoint.SafeTensorsFile;
import dev.longhaul.engine.checkpoint.SafeTensorsWriter;
import dev.longhaul.engine.checkpoint.TensorInfo;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.model.LayerKind;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.MiniMaxModel.RopeMode;
import dev.longhaul.engine.model.ModelConfig;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSynthTest {
    private static final long SEED = 20240611L;
    private static final ValueLayout.OfShort BF16_BITS = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    static int[] tokens(int count, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** Logits at every position of `ids`, fed as one prefill through the scalar backend. */
    static float[][] logits(Path dir, int[] ids) {
        try (ScalarBackend backend = new ScalarBackend();
                MiniMaxModel model = MiniMaxModel.load(dir, backend, RopeMode.PARTIAL)) {
            SequenceState state = model.newSequence();
            return model.forward(List.of(new Segment(state, ids, 0, ids.length, Segment.Logits.ALL)),
                    model.workspace(ids.length, ids.length)).getFirst();
        }
    }

    static double relativeL2(float[][] actual, float[][] expected) {
        double diff = 0;
        double norm = 0;
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < expected[r].length; c++) {
                double d = actual[r][c] - expected[r][c];
                diff += d * d;
                norm += (double) expected[r][c] * expected[r][c];
            }
        }
        return Math.sqrt(diff / norm);
    }

    private Path synth(String name, SynthSpec spec) {
        Path dir = tmp.resolve(name);
        ModelSynth.write(dir, spec);
        return dir;
    }

    @Test
    void xsModelLoadsAndGivesFiniteSpreadLogitsOverThreeHundredTokens() {
        // given an xs model with the real model's config conventions
        List<String> progress = new ArrayList<>();
        Path dir = tmp.resolve("xs");
        ModelSynth.write(dir, SynthSpec.of("xs", SEED, DType.F32), progress::add);
        ModelConfig cfg = ModelConfig.load(dir);
        assertEquals(List.of(LayerKind.LINEAR, LayerKind.LINEAR, LayerKind.LINEAR, LayerKind.FULL), cfg.layerKinds());
        assertEquals(8, cfg.rotaryDim(), "partial_rotary_factor 0.5 of head_dim 16");
        assertEquals(Math.pow(8, 0.25), cfg.mlpAlpha(), 1e-12);
        assertEquals(ModelSynth.EOS_ID, cfg.eosTokenId());
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        assertEquals(4, progress.stream().filter(l -> l.startsWith("layer ")).count(), "one progress line per layer: " + progress);

        // when 300 tokens run through it
        float[][] logits = logits(dir, tokens(300, cfg.vocabSize(), 1));

        // then every logit is finite, each row has a standard deviation in [0.3, 5], no row is one-hot
        // after softmax, and rows at different positions differ
        for (int r = 0; r < logits.length; r++) {
            double sum = 0;
            double sq = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (float v : logits[r]) {
                assertTrue(Float.isFinite(v), "row " + r + " has a non-finite logit");
                sum += v;
                sq += (double) v * v;
                max = Math.max(max, v);
            }
            double mean = sum / logits[r].length;
            double std = Math.sqrt(sq / logits[r].length - mean * mean);
            assertTrue(std > 0.3 && std < 5, "row " + r + " logit std " + std);
            double z = 0;
            for (float v : logits[r]) {
                z += Math.exp(v - max);
            }
            assertTrue(1 / z < 0.9, "row " + r + " is nearly one-hot: top probability " + 1 / z);
        }
        assertTrue(relativeL2(new float[][] {logits[299]}, new float[][] {logits[150]}) > 0.1,
                "positions 150 and 299 give nearly the same logits");
    }

    @Test
    void sameSeedGivesByteIdenticalFilesAndAnotherSeedDifferentWeights() throws IOException {
        // given three syntheses: two with one seed, one with another
        Path a = synth("a", SynthSpec.of("xs", SEED, DType.F32));
        Path b = synth("b", SynthSpec.of("xs", SEED, DType.F32));
        Path c = synth("c", SynthSpec.of("xs", SEED + 1, DType.F32));

        // when their files are compared
        List<String> files = fileNames(a);

        // then a and b agree byte for byte on every file; c differs in the weights
        assertEquals(files, fileNames(b));
        for (String f : files) {
            assertEquals(-1L, Files.mismatch(a.resolve(f), b.resolve(f)), f + " differs for the same seed");
        }
        assertNotEquals(-1L, Files.mismatch(a.resolve(Checkpoint.SINGLE_FILE), c.resolve(Checkpoint.SINGLE_FILE)));
        assertEquals(Files.size(a.resolve(Checkpoint.SINGLE_FILE)), Files.size(c.resolve(Checkpoint.SINGLE_FILE)));
    }

    @Test
    void fusedAndPerExpertLayoutsHoldTheSameWeights() {
        // given one seed written in both MoE layouts
        Path perExpert = synth("per-expert", SynthSpec.of("xs", SEED, DType.F32));
        Path fused = synth("fused", SynthSpec.of("xs", SEED, DType.F32).withLayout(MoeLayout.FUSED));
        try (Checkpoint ck = Checkpoint.open(fused)) {
            assertTrue(ck.has("model.layers.0.mlp.experts.gate_up_proj"));
            assertFalse(ck.has("model.layers.0.block_sparse_moe.gate.weight"));
        }

        // when the same tokens run through both
        int[] ids = tokens(40, 512, 2);

        // then the logits are identical (tolerance 0: the same numbers in the same order)
        assertRowsEqual(logits(perExpert, ids), logits(fused, ids));
    }

    @Test
    void threeShardsGiveTheSameLogitsAsOneFile() throws IOException {
        // given one seed as a single file and as three shards
        Path single = synth("single", SynthSpec.of("xs", SEED, DType.F32));
        Path sharded = synth("sharded", SynthSpec.of("xs", SEED, DType.F32).withShards(3));

        // when the index is read and the same tokens run through both
        JsonNode index = new ObjectMapper().readTree(sharded.resolve(Checkpoint.INDEX_FILE).toFile());
        int[] ids = tokens(40, 512, 3);

        // then there are three non-empty shards, total_size is the data size, and the logits match exactly
        long data = 0;
        for (int s = 1; s <= 3; s++) {
            Path shard = sharded.resolve(String.format("model-%05d-of-00003.safetensors", s));
            assertTrue(Files.isRegularFile(shard), shard.toString());
            data += dataBytes(shard);
        }
        assertFalse(Files.exists(sharded.resolve(Checkpoint.SINGLE_FILE)));
        assertEquals(data, index.path("metadata").path("total_size").asLong());
        assertEquals(dataBytes(single.resolve(Checkpoint.SINGLE_FILE)), data);
        assertRowsEqual(logits(single, ids), logits(sharded, ids));
    }

    @Test
    void resynthesizingIntoAShardedFolderReplacesTheOldShards() {
        // given a folder that held a 3-shard synth
        Path dir = synth("reused", SynthSpec.of("xs", SEED, DType.F32).withShards(3));

        // when a single-file synth of another seed is written into it
        ModelSynth.write(dir, SynthSpec.of("xs", SEED + 5, DType.F32));

        // then only the single file remains and it is what loads
        assertFalse(Files.exists(dir.resolve(Checkpoint.INDEX_FILE)));
        assertFalse(Files.exists(dir.resolve("model-00001-of-00003.safetensors")));
        int[] ids = tokens(10, 512, 4);
        assertRowsEqual(logits(synth("fresh", SynthSpec.of("xs", SEED + 5, DType.F32)), ids), logits(dir, ids));
    }

    @Test
    void bf16SynthIsTheF32SynthRoundedToBf16() throws IOException {
        // given the same seed in BF16, and that BF16 checkpoint widened to F32 tensor by tensor
        Path bf16 = synth("bf16", SynthSpec.of("xs", SEED, DType.BF16));
        Path widened = tmp.resolve("widened");
        Files.createDirectories(widened);
        for (String f : fileNames(bf16)) {
            if (!f.equals(Checkpoint.SINGLE_FILE)) {
                Files.copy(bf16.resolve(f), widened.resolve(f));
            }
        }
        SafeTensorsWriter writer = new SafeTensorsWriter();
        try (Arena arena = Arena.ofConfined()) {
            for (TensorInfo t : SafeTensorsFile.open(bf16.resolve(Checkpoint.SINGLE_FILE), arena).tensors().values()) {
                assertEquals(DType.BF16, t.dtype(), t.name());
                MemorySegment data = t.data();
                writer.add(t.name(), DType.F32, t.shape(), i -> DType.bf16ToFloat(data.getAtIndex(BF16_BITS, i)));
            }
            writer.write(widened.resolve(Checkpoint.SINGLE_FILE), java.util.Map.of());
        }

        // when the same 64 tokens run through both
        int[] ids = tokens(64, 512, 5);

        // then the logits agree exactly (the engine widens BF16 to F32 without loss)
        assertRowsEqual(logits(widened, ids), logits(bf16, ids));
    }

    @Test
    void bf16SynthStaysCloseToF32ExceptWhereRoutingFlips() {
        // given the same seed in F32 and BF16
        Path f32 = synth("f32", SynthSpec.of("xs", SEED, DType.F32));
        Path bf16 = synth("bf16", SynthSpec.of("xs", SEED, DType.BF16));

        // when the same 64 tokens run through both
        int[] ids = tokens(64, 512, 5);
        float[][] exact = logits(f32, ids);
        float[][] rounded = logits(bf16, ids);

        // then the median row is within 1e-2 relative L2 (bf16 rounding alone gives ~0.7e-2 over
        // four layers) and the whole within 0.1: where two experts' router scores nearly tie,
        // rounding can flip the top-2 choice, a discontinuity that moves a few rows by up to ~25%
        double[] rows = new double[ids.length];
        for (int r = 0; r < ids.length; r++) {
            rows[r] = relativeL2(new float[][] {rounded[r]}, new float[][] {exact[r]});
        }
        java.util.Arrays.sort(rows);
        double total = relativeL2(rounded, exact);
        assertTrue(rows[rows.length / 2] < 1e-2 && rows[0] > 0, "median row relative L2 " + rows[rows.length / 2]);
        assertTrue(total < 0.1, "relative L2 " + total);
    }

    @Test
    void linearOnlyHasNoSoftmaxLayer() {
        // given an xs synth with linearOnly
        Path dir = synth("linear", SynthSpec.of("xs", SEED, DType.F32).withLinearOnly(true));

        // when its config and tensors are read
        ModelConfig cfg = ModelConfig.load(dir);

        // then every layer is lightning, no softmax weights exist, and it runs
        assertEquals(0, cfg.countLayers(LayerKind.FULL));
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertTrue(ck.tensors().keySet().stream().noneMatch(n -> n.contains("q_proj")));
            assertTrue(ck.has("model.layers.3.self_attn.qkv_proj.weight"));
        }
        float[][] out = logits(dir, tokens(20, 512, 6));
        for (float v : out[19]) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void unknownSizeAndZeroShardsAreRefused() {
        IllegalArgumentException size = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SynthSpec.of("xxl", 1, DType.F32));
        assertTrue(size.getMessage().contains("xxl") && size.getMessage().contains("xs"), size.getMessage());
        IllegalArgumentException shards = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SynthSpec.of("xs", 1, DType.F32).withShards(0));
        assertTrue(shards.getMessage().contains("shards"), shards.getMessage());
    }

    /** Bytes after a safetensors file's header. */
    private static long dataBytes(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            long header = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return Files.size(file) - 8 - header;
        }
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertRowsEqual(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int r = 0; r < expected.length; r++) {
            assertArrayEquals(expected[r], actual[r], 0f, "row " + r);
        }
    }
}
